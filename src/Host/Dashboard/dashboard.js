// The Actors dashboard: one event stream (GET /api/events?jobStates=all, read with fetch so that it can carry the API key),
// a snapshot of the newest tasks, and a few summaries fetched when their events say they changed. Everything it shows is
// written with textContent (never parsed as HTML); the page runs under a strict Content-Security-Policy.
'use strict';

(() => {
  const KEY_STORAGE = 'actors.apiKey';
  const SNAPSHOT_LIMIT = 10000;   // the newest tasks loaded at start (the API's largest page)
  const MAX_TASKS = 20000;        // tasks kept in the page; the oldest ended ones are dropped beyond it
  const PAGE_SIZE = 50;           // rows per page of the task table
  const RUNNING_ROWS = 50;
  const FAILURE_ROWS = 20;
  const MAX_JOBS = 200;
  const RENDER_EVERY_MS = 100;
  const CHART_SECONDS = 60;
  const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
  const STATES = ['waiting', 'running', 'retryWaiting', 'completed', 'failed', 'cancelled'];

  const $ = (selector) => document.querySelector(selector);

  // ---- state -------------------------------------------------------------------------------------------------------
  const tasks = new Map();        // id -> task
  let order = [];                 // ids in arrival order (oldest first); order[head..] are live
  let head = 0;
  const running = new Set();
  let failures = [];              // ids of tasks that failed for good, newest last
  const byState = Object.fromEntries(STATES.map((s) => [s, 0]));
  const byType = new Map();       // type -> { state -> count }
  const byPriority = new Map();   // priority -> { state -> count }
  const jobs = new Map();         // key -> { key, kind, status, version, state }
  let typeHealth = new Map();     // type -> health
  let thunkSummary = null;
  let cluster = null;             // GET /api/cluster, when the service is a cluster node
  const buckets = [];             // per second: { second, completed, failed }
  let eventsThisSecond = 0;
  let eventsPerSecond = 0;
  let page = 0;
  let dirty = false;
  let pressed = false;            // a pointer is pressed: the tables are not rebuilt under it
  let snapshotLoaded = false;
  let pending = [];               // events that arrived before the snapshot
  let streamAbort = null;
  let reconnectDelay = 500;
  let sessions = 0;               // streams opened (shown as data-sessions: more than one means the page reconnected)

  // ---- HTTP --------------------------------------------------------------------------------------------------------
  class KeyNeeded extends Error {}

  function headers() {
    const key = sessionStorage.getItem(KEY_STORAGE);
    return key ? { 'X-Api-Key': key } : {};
  }

  async function api(path, init = {}) {
    const response = await fetch(path, { ...init, headers: { ...headers(), ...(init.headers || {}) } });
    if (response.status === 401) {
      throw new KeyNeeded();
    }
    return response;
  }

  async function json(path) {
    const response = await api(path);
    if (!response.ok) {
      throw new Error(`${path}: ${response.status}`);
    }
    return response.json();
  }

  // ---- tasks -------------------------------------------------------------------------------------------------------
  function counter(map, key) {
    let counts = map.get(key);
    if (!counts) {
      counts = Object.fromEntries(STATES.map((s) => [s, 0]));
      map.set(key, counts);
    }
    return counts;
  }

  function count(task, delta) {
    byState[task.status] += delta;
    counter(byType, task.type)[task.status] += delta;
    counter(byPriority, task.priority)[task.status] += delta;
  }

  function setStatus(task, status) {
    if (task.status === status) {
      return;
    }
    count(task, -1);
    task.status = status;
    count(task, +1);
    if (status === 'running') {
      running.add(task.id);
    } else {
      running.delete(task.id);
    }
    if (status === 'failed') {
      failures.push(task.id);
      if (failures.length > 200) {
        failures = failures.slice(-FAILURE_ROWS * 2);
      }
    }
  }

  function add(id, type, priority, status, queuedAt) {
    const task = { id, type: type || '?', priority: priority || 5, status, attempts: 0, progress: 0, operation: '', error: null, queuedAt, endedAt: null };
    tasks.set(id, task);
    order.push(id);
    count(task, +1);
    if (status === 'running') {
      running.add(id);
    }
    trim();
    return task;
  }

  // Keeps at most MAX_TASKS: drops the oldest ended tasks (their ends stay counted).
  function trim() {
    while (tasks.size > MAX_TASKS && head < order.length) {
      const id = order[head];
      const task = tasks.get(id);
      if (task && !TERMINAL.has(task.status)) {
        break;
      }
      head++;
      if (task) {
        tasks.delete(id);
      }
    }
    if (head > 50000) {
      order = order.slice(head);
      head = 0;
    }
  }

  function fromRecord(view) {
    let task = tasks.get(view.id);
    if (!task) {
      task = add(view.id, view.type, view.priority, view.status, view.queuedAt);
    } else if (!TERMINAL.has(task.status)) {
      setStatus(task, view.status);
    }
    task.attempts = view.attempts;
    task.progress = view.progress;
    task.error = view.error;
    task.endedAt = view.endedAt;
    if (view.status === 'failed' && !failures.includes(view.id)) {
      failures.push(view.id);
    }
  }

  function onTaskEvent(name, e) {
    let task = tasks.get(e.taskId);
    if (name === 'task.queued') {
      if (!task) {
        add(e.taskId, e.taskType, e.priority, 'waiting', e.timestamp);
      }
      return;
    }
    if (!task) {
      // A task older than the snapshot (or queued before this page subscribed): known from here on.
      task = add(e.taskId, e.taskType, 5, 'waiting', e.timestamp);
    }
    if (TERMINAL.has(task.status)) {
      return; // an older event replayed after the snapshot, or a late progress report
    }
    switch (name) {
      case 'task.started':
        if (e.attempt >= task.attempts) {
          task.attempts = e.attempt;
          task.progress = 0;
          task.operation = '';
          setStatus(task, 'running');
        }
        break;
      case 'task.progress':
        task.progress = e.progress;
        task.operation = e.currentOperation || '';
        break;
      case 'task.completed':
        task.progress = 100;
        task.endedAt = e.timestamp;
        setStatus(task, 'completed');
        tally('completed');
        break;
      case 'task.failed':
        task.error = e.error;
        if (e.retryAt) {
          setStatus(task, 'retryWaiting');
        } else {
          task.endedAt = e.timestamp;
          setStatus(task, 'failed');
          tally('failed');
        }
        break;
      case 'task.cancelled':
        task.endedAt = e.timestamp;
        setStatus(task, 'cancelled');
        break;
    }
  }

  // ---- the chart ---------------------------------------------------------------------------------------------------
  function bucket() {
    const second = Math.floor(Date.now() / 1000);
    let last = buckets[buckets.length - 1];
    if (!last || last.second !== second) {
      last = { second, completed: 0, failed: 0 };
      buckets.push(last);
      while (buckets.length > CHART_SECONDS) {
        buckets.shift();
      }
    }
    return last;
  }

  function tally(outcome) {
    bucket()[outcome]++;
  }

  function drawChart() {
    const canvas = $('#chart');
    if (canvas.clientWidth > 0 && canvas.width !== canvas.clientWidth) {
      canvas.width = canvas.clientWidth; // drawn at the size shown, so text and bars are not stretched
    }
    const context = canvas.getContext('2d');
    const { width, height } = canvas;
    context.clearRect(0, 0, width, height);
    const now = Math.floor(Date.now() / 1000);
    const values = new Map(buckets.map((b) => [b.second, b]));
    let peak = 1;
    for (const b of buckets) {
      peak = Math.max(peak, b.completed + b.failed);
    }
    const slot = width / CHART_SECONDS;
    for (let i = 0; i < CHART_SECONDS; i++) {
      const b = values.get(now - (CHART_SECONDS - 1 - i));
      if (!b) {
        continue;
      }
      const okHeight = (b.completed / peak) * (height - 16);
      const badHeight = (b.failed / peak) * (height - 16);
      context.fillStyle = '#1f9d55';
      context.fillRect(i * slot + 1, height - okHeight, slot - 2, okHeight);
      context.fillStyle = '#d64545';
      context.fillRect(i * slot + 1, height - okHeight - badHeight, slot - 2, badHeight);
    }
    context.fillStyle = '#6b7385';
    context.font = '12px system-ui, sans-serif';
    context.fillText(`peak ${peak}/s`, 4, 12);
  }

  // ---- jobs and thunks ---------------------------------------------------------------------------------------------
  function onJobEvent(name, e) {
    let job = jobs.get(e.key);
    if (!job) {
      if (jobs.size >= MAX_JOBS) {
        for (const [key, old] of jobs) {
          if (old.status !== 'running') {
            jobs.delete(key);
            break;
          }
        }
      }
      job = { key: e.key, kind: e.kind || e.manager || '', status: 'running', version: '', state: '' };
      jobs.set(e.key, job);
    }
    if (name === 'job.state') {
      job.kind = e.kind;
      job.version = e.version;
      job.state = JSON.stringify(e.state);
      if (job.status !== 'running' && job.status !== 'stopped') {
        job.status = 'running';
      }
    } else if (name === 'job.started') {
      job.status = 'running';
    } else if (name === 'job.stopped') {
      job.status = e.reason ? `stopped (${String(e.reason).toLowerCase()})` : 'stopped';
    }
  }

  let thunkFetch = null;
  function refreshThunks() {
    if (thunkFetch) {
      thunkFetch.again = true;
      return;
    }
    thunkFetch = { again: false };
    json('/api/thunks').then((summary) => {
      thunkSummary = summary;
      markDirty();
    }).catch(failed).finally(() => {
      const again = thunkFetch.again;
      thunkFetch = null;
      if (again) {
        setTimeout(refreshThunks, 250);
      }
    });
  }

  function refreshTypes() {
    json('/api/task-types').then((types) => {
      typeHealth = new Map(types.map((t) => [t.type, t.health]));
      const select = $('#type-filter');
      const chosen = select.value;
      select.replaceChildren(option('', 'all'), ...types.map((t) => option(t.type, t.type)));
      select.value = chosen;
      markDirty();
    }).catch(failed);
  }

  function refreshCluster() {
    json('/api/cluster').then((view) => {
      cluster = view.clustered ? view : null;
      markDirty();
    }).catch(failed);
  }

  function option(value, text) {
    const element = document.createElement('option');
    element.value = value;
    element.textContent = text;
    return element;
  }

  // ---- the stream --------------------------------------------------------------------------------------------------
  function onEvent(name, data) {
    eventsThisSecond++;
    if (!snapshotLoaded) {
      pending.push([name, data]);
      return;
    }
    apply(name, data);
  }

  function apply(name, data) {
    if (name.startsWith('task-type.')) {
      refreshTypes();
    } else if (name.startsWith('task.')) {
      onTaskEvent(name, data);
    } else if (name.startsWith('job.')) {
      onJobEvent(name, data);
    } else if (name.startsWith('thunk.')) {
      refreshThunks();
      return;
    }
    markDirty();
  }

  function frame(text) {
    let name = 'message';
    let data = '';
    for (const line of text.split('\n')) {
      if (line.startsWith('event: ')) {
        name = line.slice(7);
      } else if (line.startsWith('data: ')) {
        data += line.slice(6);
      }
    }
    if (data) {
      onEvent(name, JSON.parse(data));
    }
  }

  async function stream() {
    streamAbort = new AbortController();
    const response = await api('/api/events?jobStates=all', { signal: streamAbort.signal });
    if (!response.ok) {
      throw new Error(`/api/events: ${response.status}`);
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    let subscribed = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return;
      }
      // One pass over what arrived, cut once at the end: cutting the rest off after each frame copied it once per
      // frame, which made a large chunk (a burst of events) cost its length squared.
      buffered += value;
      let start = 0;
      let end;
      while ((end = buffered.indexOf('\n\n', start)) >= 0) {
        const text = buffered.slice(start, end);
        start = end + 2;
        if (!subscribed && text.startsWith(': subscribed')) {
          subscribed = true;
          $('#connection').dataset.sessions = String(++sessions);
          setConnection('live');
          reconnectDelay = 500;
          loadSnapshot();
        } else {
          frame(text);
        }
      }
      buffered = buffered.slice(start);
    }
  }

  // The snapshot is read after the stream has subscribed, so no change falls between the two; events that came
  // first are applied after it (an older event never moves an ended task back).
  async function loadSnapshot() {
    try {
      const records = await json(`/api/tasks?limit=${SNAPSHOT_LIMIT}`);
      for (let i = records.length - 1; i >= 0; i--) {
        fromRecord(records[i]);
      }
      snapshotLoaded = true;
      for (const [name, data] of pending) {
        apply(name, data);
      }
      pending = [];
      refreshTypes();
      refreshThunks();
      refreshCluster();
      markDirty();
    } catch (error) {
      failed(error);
    }
  }

  function reset() {
    tasks.clear();
    order = [];
    head = 0;
    running.clear();
    failures = [];
    for (const s of STATES) {
      byState[s] = 0;
    }
    byType.clear();
    byPriority.clear();
    jobs.clear();
    snapshotLoaded = false;
    pending = [];
  }

  async function connect() {
    for (;;) {
      reset();
      setConnection('connecting');
      try {
        await stream();
        setConnection('disconnected');
      } catch (error) {
        if (error instanceof KeyNeeded) {
          askForKey(sessionStorage.getItem(KEY_STORAGE) ? 'That key was refused.' : '');
          return;
        }
        setConnection('disconnected');
      }
      await new Promise((resolve) => setTimeout(resolve, reconnectDelay));
      reconnectDelay = Math.min(reconnectDelay * 2, 10000);
    }
  }

  function failed(error) {
    if (error instanceof KeyNeeded) {
      if (streamAbort) {
        streamAbort.abort();
      }
      askForKey('That key was refused.');
    } else {
      notice(String(error.message || error));
    }
  }

  // ---- the API key -------------------------------------------------------------------------------------------------
  function askForKey(message) {
    setConnection('key-needed');
    $('#board').hidden = true;
    $('#key-form').hidden = false;
    $('#key-error').textContent = message;
    $('#key-input').focus();
  }

  $('#key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, $('#key-input').value);
    $('#key-input').value = '';
    $('#key-form').hidden = true;
    $('#board').hidden = false;
    connect();
  });

  // ---- actions -----------------------------------------------------------------------------------------------------
  async function act(method, path, done) {
    try {
      const response = await api(path, { method });
      if (response.ok) {
        notice(done);
      } else {
        const problem = await response.json().catch(() => ({}));
        notice(problem.detail || problem.title || `${method} ${path}: ${response.status}`);
      }
    } catch (error) {
      failed(error);
    }
  }

  function notice(text) {
    const element = $('#notice');
    element.textContent = text;
    element.hidden = false;
    clearTimeout(notice.timer);
    notice.timer = setTimeout(() => {
      element.hidden = true;
    }, 5000);
  }

  // A click is a press and a release on the same button. The tables are rebuilt every 100 ms while events arrive (a
  // running task's progress), and a rebuild between the two would replace the button and lose the click: nothing is
  // rebuilt while a pointer is pressed. The click follows the release in the same input task, before any rebuild.
  window.addEventListener('pointerdown', () => { pressed = true; }, true);
  for (const released of ['pointerup', 'pointercancel', 'blur']) {
    window.addEventListener(released, () => { pressed = false; }, true);
  }

  document.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) {
      return;
    }
    const id = button.dataset.task;
    if (button.dataset.action === 'cancel') {
      act('DELETE', `/api/tasks/${encodeURIComponent(id)}`, `Cancelled ${id}.`);
    } else if (button.dataset.action === 'retry') {
      act('POST', `/api/tasks/${encodeURIComponent(id)}/retry`, `Retrying ${id} as a new task.`);
    }
  });

  $('#status-filter').addEventListener('change', () => { page = 0; markDirty(); });
  $('#type-filter').addEventListener('change', () => { page = 0; markDirty(); });
  $('#prev').addEventListener('click', () => { page = Math.max(0, page - 1); markDirty(); });
  $('#next').addEventListener('click', () => { page++; markDirty(); });

  // ---- rendering ---------------------------------------------------------------------------------------------------
  function markDirty() {
    if (!dirty) {
      dirty = true;
      setTimeout(render, RENDER_EVERY_MS);
    }
  }

  function setConnection(state) {
    const element = $('#connection');
    element.dataset.state = state;
    element.textContent = { live: 'live', connecting: 'connecting', disconnected: 'disconnected, reconnecting', 'key-needed': 'API key needed' }[state];
  }

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text ?? '';
    if (className) {
      td.className = className;
    }
    return td;
  }

  function status(value) {
    const td = document.createElement('td');
    const span = document.createElement('span');
    span.className = 'status';
    span.dataset.status = value;
    span.textContent = value;
    td.append(span);
    return td;
  }

  function bar(value) {
    const td = document.createElement('td');
    const progress = document.createElement('progress');
    progress.max = 100;
    progress.value = value;
    td.append(progress, ` ${Math.round(value)}%`);
    return td;
  }

  function button(action, id, label) {
    const td = document.createElement('td');
    const element = document.createElement('button');
    element.type = 'button';
    element.className = action;
    element.dataset.action = action;
    element.dataset.task = id;
    element.textContent = label;
    td.append(element);
    return td;
  }

  function row(attributes, cells) {
    const tr = document.createElement('tr');
    Object.assign(tr.dataset, attributes);
    tr.append(...cells);
    return tr;
  }

  // A TimeSpan as JSON ("00:00:01.2345678") shown in milliseconds.
  function milliseconds(span) {
    const match = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(span || '');
    if (!match) {
      return span ?? '';
    }
    const [, days, hours, minutes, seconds] = match;
    const ms = ((((Number(days || 0) * 24) + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
    return `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
  }

  function time(value) {
    return value ? new Date(value).toLocaleTimeString() : '';
  }

  function render() {
    if (pressed) {
      setTimeout(render, RENDER_EVERY_MS);
      return;
    }

    dirty = false;
    for (const s of STATES) {
      document.querySelector(`[data-count="${s}"]`).textContent = byState[s].toLocaleString();
    }

    const runningRows = [];
    for (const id of running) {
      if (runningRows.length === RUNNING_ROWS) {
        break;
      }
      const t = tasks.get(id);
      runningRows.push(row({ taskId: t.id, status: t.status }, [cell(t.id), cell(t.type), cell(t.attempts), bar(t.progress), cell(t.operation, 'wrap'),
        button('cancel', t.id, 'Cancel')]));
    }
    $('#running tbody').replaceChildren(...runningRows);
    $('#running-count').textContent = running.size > RUNNING_ROWS ? `${RUNNING_ROWS} of ${running.size}` : `${running.size}`;

    const failureRows = [];
    for (let i = failures.length - 1; i >= 0 && failureRows.length < FAILURE_ROWS; i--) {
      const t = tasks.get(failures[i]);
      if (!t || t.status !== 'failed') {
        continue;
      }
      failureRows.push(row({ taskId: t.id }, [cell(t.id), cell(t.type), cell(t.error?.class ?? '', 'error-class'), cell(t.error?.message ?? '', 'wrap error-message'),
        cell(time(t.endedAt)), button('retry', t.id, 'Retry')]));
    }
    $('#failures tbody').replaceChildren(...failureRows);

    renderTaskPage();
    renderGroups('#by-type tbody', [...byType.keys()].sort(), byType, (type) => {
      const health = typeHealth.get(type);
      return [status(health?.circuit ?? ''), cell(health ? health.concurrencyLimit : '')];
    });
    renderGroups('#by-priority tbody', [...byPriority.keys()].sort((a, b) => b - a), byPriority, () => []);

    const jobRows = [...jobs.values()].map((j) => row({ jobKey: j.key, status: j.status }, [cell(j.key), cell(j.kind), cell(j.status, 'job-status'),
      cell(j.version, 'job-version'), cell(j.state, 'wrap job-state')]));
    $('#jobs tbody').replaceChildren(...jobRows);

    if (thunkSummary) {
      const s = thunkSummary;
      const facts = { version: s.version, active: s.activeRoots.join(', ') || 'none', waiting: s.waitingRoots.length, queued: s.queuedActions,
        thunks: s.thunks.length, completed: s.metrics.treesCompleted, maxWait: milliseconds(s.metrics.maxLockWait) };
      for (const [name, value] of Object.entries(facts)) {
        document.querySelector(`[data-thunk="${name}"]`).textContent = value;
      }
    }

    $('#cluster-panel').hidden = cluster === null;
    if (cluster) {
      $('#cluster-self').textContent = `seen from ${cluster.self}`;
      $('#cluster tbody').replaceChildren(...cluster.members.map((m) => row({ member: m.address, status: m.status }, [cell(m.address), status(m.status),
        cell(m.reachable ? 'yes' : 'no'), cell(m.address === cluster.leader ? 'leader' : '')])));
    }

    $('#rates').textContent = `${eventsPerSecond.toLocaleString()} events/s`;
    drawChart();
  }

  function renderGroups(selector, keys, map, extra) {
    $(selector).replaceChildren(...keys.map((key) => {
      const c = map.get(key);
      return row({ group: key }, [cell(key), cell(c.waiting + c.retryWaiting), cell(c.running), cell(c.completed), cell(c.failed), ...extra(key)]);
    }));
  }

  // Newest first; only the rows of the current page are built, so 10,000 tasks cost a scan, not 10,000 rows.
  function renderTaskPage() {
    const wanted = $('#status-filter').value;
    const type = $('#type-filter').value;
    const skip = page * PAGE_SIZE;
    const rows = [];
    let matched = 0;
    for (let i = order.length - 1; i >= head; i--) {
      const t = tasks.get(order[i]);
      if (!t || (wanted && t.status !== wanted) || (type && t.type !== type)) {
        continue;
      }
      if (matched++ < skip || rows.length === PAGE_SIZE) {
        continue;
      }
      rows.push(row({ taskId: t.id, status: t.status }, [cell(t.id), cell(t.type), cell(t.priority), status(t.status), cell(t.attempts), bar(t.progress),
        cell(time(t.queuedAt)), TERMINAL.has(t.status)
          ? (t.status === 'completed' ? cell('') : button('retry', t.id, 'Retry'))
          : button('cancel', t.id, 'Cancel')]));
    }
    const pages = Math.max(1, Math.ceil(matched / PAGE_SIZE));
    if (page >= pages) {
      page = pages - 1;
    }
    $('#tasks tbody').replaceChildren(...rows);
    $('#page-info').textContent = `page ${page + 1} of ${pages} (${matched.toLocaleString()} tasks)`;
    $('#prev').disabled = page === 0;
    $('#next').disabled = page >= pages - 1;
  }

  setInterval(() => {
    eventsPerSecond = eventsThisSecond;
    eventsThisSecond = 0;
    bucket();
    markDirty();
  }, 1000);
  setInterval(() => {
    if (snapshotLoaded) {
      refreshTypes();
      refreshCluster();
    }
  }, 5000);

  connect();
})();
