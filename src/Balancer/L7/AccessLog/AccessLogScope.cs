using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace LoadBalancer.Balancer.L7.AccessLog;

/// <summary>
/// Per-request state of the access log, pooled: counts the request and response body bytes (by standing in for the
/// response body feature and wrapping the request body) and notes when the backend's response headers arrived.
/// </summary>
internal sealed class AccessLogScope : IHttpResponseBodyFeature
{
    private readonly CountingStream _requestBody = new();
    private readonly CountingStream _responseBody = new();
    private IHttpResponseBodyFeature _inner = null!;
    private Stream _originalRequestBody = Stream.Null;

    /// <summary>Stopwatch timestamp when the request arrived.</summary>
    public long Started { get; private set; }

    /// <summary>Stopwatch timestamp when the backend's response headers arrived, 0 if they did not.</summary>
    public long BackendHeaders { get; private set; }

    public long BytesIn => _requestBody.Count;

    public long BytesOut => _responseBody.Count;

    public void Begin(HttpContext context)
    {
        Started = Stopwatch.GetTimestamp();
        BackendHeaders = 0;
        _inner = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        _responseBody.Reset(_inner.Stream);
        _originalRequestBody = context.Request.Body;
        context.Request.Body = _requestBody.Reset(_originalRequestBody);
        context.Features.Set<IHttpResponseBodyFeature>(this);
        context.Features.Set(this);
    }

    /// <summary>Called by a response transform once the backend's response headers are in.</summary>
    public void MarkBackendHeaders() => BackendHeaders = Stopwatch.GetTimestamp();

    /// <summary>Puts the request's own body and response body feature back, so nothing refers to this scope once it is pooled again.</summary>
    public void End(HttpContext context)
    {
        context.Features.Set(_inner);
        context.Features.Set<AccessLogScope>(null);
        context.Request.Body = _originalRequestBody;
        _inner = null!;
        _originalRequestBody = Stream.Null;
        _requestBody.Reset(Stream.Null);
        _responseBody.Reset(Stream.Null);
    }

    public Stream Stream => _responseBody;

    public PipeWriter Writer => _inner.Writer;

    public void DisableBuffering() => _inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => _inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        _inner.SendFileAsync(path, offset, count, cancellationToken);

    public Task CompleteAsync() => _inner.CompleteAsync();
}
