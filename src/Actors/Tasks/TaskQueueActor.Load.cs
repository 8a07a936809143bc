using Akka.Event;

namespace Actors.Tasks;

// Load shedding (actors.tasks.load-shedding): while the system is overloaded, lower priorities are held back first.
internal sealed partial class TaskQueueActor
{
    /// <summary>The highest priority that load shedding may hold back is below this: 8 to 10 always start.</summary>
    private const int AlwaysStarts = 8;

    /// <summary>Priorities below this do not start now (0: none held back).</summary>
    private int _holdBelow;

    private void StartLoadShedding()
    {
        if (_settings.LoadShedding)
        {
            Timers.StartPeriodicTimer(LoadSampleDue.Instance, LoadSampleDue.Instance, TimeSpan.FromSeconds(1));
        }
    }

    private void OnLoadSampleDue()
    {
        var load = (_settings.LoadProbe ?? SystemLoad.Sample)();
        var before = _holdBelow;
        _holdBelow = load >= 1 ? Math.Min(AlwaysStarts, _holdBelow + 2) : load < 0.7 ? Math.Max(0, _holdBelow - 2) : _holdBelow;
        if (_holdBelow == before)
        {
            return;
        }

        if (_holdBelow > before)
        {
            _log.Warning("The system is overloaded (load {0:F2}): tasks of priority below {1} are held back until it calms down", load, _holdBelow);
        }
        else
        {
            _log.Info("The load eased ({0:F2}): {1}", load, _holdBelow == 0 ? "every priority starts again" : $"tasks of priority below {_holdBelow} are still held back");
        }

        _publish(new TaskLoadShed(_holdBelow, load, Now));
        StartWhatMayStart();
    }
}

/// <summary>A second has passed: the load shedding samples the system's load.</summary>
internal sealed record LoadSampleDue
{
    public static readonly LoadSampleDue Instance = new();
}
