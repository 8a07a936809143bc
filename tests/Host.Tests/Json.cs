using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Host.Tests;

/// <summary>Small helpers for JSON requests and answers.</summary>
internal static class Json
{
    public static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient http, string path, string json) => http.PostAsync(path, Body(json));

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    public static string Text(this JsonElement element, string property) => element.GetProperty(property).GetString()!;
}
