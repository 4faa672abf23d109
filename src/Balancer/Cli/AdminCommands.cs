using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;

namespace LoadBalancer.Balancer.Cli;

/// <summary><c>balancer admin ...</c>: the admin API from the command line (status, ready, drain, maint, weight, reload).</summary>
internal static class AdminCommands
{
    public static Command Create()
    {
        var url = new Option<string>("--admin") { Description = "Admin endpoint URL", DefaultValueFactory = _ => "http://127.0.0.1:9100", Recursive = true };
        var token = new Option<string?>("--token") { Description = "Bearer token (default: the LB_ADMIN_TOKEN environment variable)", Recursive = true };
        var admin = new Command("admin", "Talk to a running balancer's admin API") { url, token };

        var status = new Command("status", "Print every pool and backend: health, admin state, weights, active requests/flows");
        status.SetAction((p, ct) => CallAsync(p.GetValue(url)!, p.GetValue(token), HttpMethod.Get, "/api/status", ct));
        admin.Subcommands.Add(status);

        foreach (var (name, description) in new[]
                 {
                     ("ready", "Put a backend back in service"),
                     ("drain", "Send a backend no new flows or requests; existing ones finish"),
                     ("maint", "Take a backend out of service now"),
                 })
        {
            var pool = new Argument<string>("pool") { Description = "Pool: an L7 cluster id or an L4 service name" };
            var backend = new Argument<string>("backend") { Description = "Backend (destination) id" };
            var command = new Command(name, description) { pool, backend };
            command.SetAction((p, ct) => CallAsync(p.GetValue(url)!, p.GetValue(token), HttpMethod.Post,
                $"/api/pools/{Uri.EscapeDataString(p.GetValue(pool)!)}/backends/{Uri.EscapeDataString(p.GetValue(backend)!)}/{name}", ct));
            admin.Subcommands.Add(command);
        }

        {
            var pool = new Argument<string>("pool") { Description = "Pool: an L7 cluster id or an L4 service name" };
            var backend = new Argument<string>("backend") { Description = "Backend (destination) id" };
            var weight = new Argument<string>("weight") { Description = "New weight (0-1000), or 'reset' to go back to the configured one" };
            var command = new Command("weight", "Set a backend's weight at run time") { pool, backend, weight };
            command.SetAction((p, ct) =>
            {
                var target = $"/api/pools/{Uri.EscapeDataString(p.GetValue(pool)!)}/backends/{Uri.EscapeDataString(p.GetValue(backend)!)}/weight";
                var value = p.GetValue(weight)!;
                if (value == "reset")
                {
                    return CallAsync(p.GetValue(url)!, p.GetValue(token), HttpMethod.Delete, target, ct);
                }
                if (!int.TryParse(value, out var w))
                {
                    Console.Error.WriteLine($"weight '{value}' is not a whole number or 'reset'");
                    return Task.FromResult(ExitCodes.BadInput);
                }
                return CallAsync(p.GetValue(url)!, p.GetValue(token), HttpMethod.Post, $"{target}/{w}", ct);
            });
            admin.Subcommands.Add(command);
        }

        foreach (var (name, path, description) in new[]
                 {
                     ("drain-node", "drain", "Withdraw every VIP of this balancer (the router sends it no new flows); flows that still arrive are served"),
                     ("ready-node", "ready", "Announce this balancer's VIPs again (each while its service has a backend that takes new flows)"),
                 })
        {
            var command = new Command(name, description);
            command.SetAction((p, ct) => CallAsync(p.GetValue(url)!, p.GetValue(token), HttpMethod.Post, $"/api/node/{path}", ct));
            admin.Subcommands.Add(command);
        }

        var reload = new Command("reload", "Reload the config file now (a bad file is rejected and the running config stays)");
        reload.SetAction((p, ct) => CallAsync(p.GetValue(url)!, p.GetValue(token), HttpMethod.Post, "/api/reload", ct));
        admin.Subcommands.Add(reload);
        return admin;
    }

    private static async Task<int> CallAsync(string baseUrl, string? token, HttpMethod method, string path, CancellationToken ct)
    {
        token ??= Environment.GetEnvironmentVariable("LB_ADMIN_TOKEN");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(method, baseUrl.TrimEnd('/') + path);
        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine($"cannot reach the admin API at {baseUrl}: {e.Message}");
            return ExitCodes.RuntimeFailure;
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            var text = body.Length > 0 && body[0] is '{' or '['
                ? Indented(body)
                : body;
            if (response.IsSuccessStatusCode)
            {
                Console.WriteLine(text);
                return ExitCodes.Ok;
            }
            Console.Error.WriteLine($"{(int)response.StatusCode} {response.ReasonPhrase}{(text.Length > 0 ? ": " + text : "")}");
            return response.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.BadRequest
                or System.Net.HttpStatusCode.UnprocessableEntity or System.Net.HttpStatusCode.Unauthorized
                ? ExitCodes.BadInput
                : ExitCodes.RuntimeFailure;
        }
    }

    /// <summary>The admin's JSON answer, indented for a terminal (written by the JSON writer: no reflection, so the Native AOT build prints it too).</summary>
    private static string Indented(string json)
    {
        using var document = JsonDocument.Parse(json);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            document.RootElement.WriteTo(writer);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
