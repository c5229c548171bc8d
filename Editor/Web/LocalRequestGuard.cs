using Microsoft.AspNetCore.Http;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Engine.Editor.Web;

/// <summary>
/// Refuses every request that does not come from this machine's own page: the peer must be loopback, the Host header
/// must name the loopback address and port (so a DNS-rebinding page cannot reach the server under its own name), an
/// Origin header must be the server's own, and <c>/api/</c> calls must carry the session token.
/// </summary>
internal sealed class LocalRequestGuard
{
    /// <summary>Header that carries the session token (the query parameter <c>token</c> works too, for EventSource).</summary>
    public const string TokenHeader = "X-Engine-Token";

    private readonly byte[] _token;
    private string[] _hosts = [];
    private string[] _origins = [];

    /// <summary>Creates the guard for <paramref name="token"/>; <see cref="SetPort"/> must follow once the port is known.</summary>
    public LocalRequestGuard(string token)
    {
        _token = Encoding.UTF8.GetBytes(token);
    }

    /// <summary>Accepts requests for <paramref name="port"/> from now on; until then every request is refused.</summary>
    public void SetPort(int port)
    {
        _hosts = [$"127.0.0.1:{port}", $"localhost:{port}"];
        _origins = [$"http://127.0.0.1:{port}", $"http://localhost:{port}"];
        if (port == 80)
        {
            // Browsers leave the default port out of Host and Origin.
            _hosts = [.. _hosts, "127.0.0.1", "localhost"];
            _origins = [.. _origins, "http://127.0.0.1", "http://localhost"];
        }
    }

    /// <summary>Middleware entry point.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        (int status, string? reason) = Check(context.Request, context.Connection.RemoteIpAddress);
        if (reason is not null)
        {
            context.Response.StatusCode = status;
            await context.Response.WriteAsJsonAsync(new { error = reason });
            return;
        }
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        context.Response.Headers["X-Frame-Options"] = "DENY";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        // CodeMirror injects its styles at run time, hence 'unsafe-inline' for styles only.
        context.Response.Headers["Content-Security-Policy"] =
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";
        await next(context);
    }

    private (int Status, string? Reason) Check(HttpRequest request, IPAddress? peer)
    {
        if (peer is null || !IPAddress.IsLoopback(peer))
        {
            return (StatusCodes.Status403Forbidden, "only loopback connections are served");
        }
        string host = request.Headers.Host.ToString();
        if (!_hosts.Contains(host, StringComparer.OrdinalIgnoreCase))
        {
            return (StatusCodes.Status400BadRequest, $"Host '{host}' refused: this server answers only to {string.Join(" or ", _hosts)}");
        }
        string? origin = request.Headers.Origin.FirstOrDefault();
        if (origin is not null && !_origins.Contains(origin, StringComparer.OrdinalIgnoreCase))
        {
            return (StatusCodes.Status403Forbidden, $"Origin '{origin}' refused");
        }
        if (request.Path.StartsWithSegments("/api") && !HasToken(request))
        {
            return (StatusCodes.Status401Unauthorized, "missing or wrong session token: open the URL 'engine edit' printed");
        }
        return (0, null);
    }

    private bool HasToken(HttpRequest request)
    {
        string? given = request.Headers[TokenHeader].FirstOrDefault() ?? request.Query["token"].FirstOrDefault();
        return given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _token);
    }
}
