using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace GuestAssist.Host.Vmm.Firecracker;

/// <summary>
/// Firecracker's REST API: HTTP/1.1 with JSON bodies over the Unix socket given to <c>--api-sock</c>. Actions answer
/// 204 No Content; a refused request answers 400 with <c>{"fault_message": "..."}</c>, which surfaces as a
/// <see cref="FirecrackerApiException"/> carrying the status and that message. Every request is bounded by
/// <see cref="RequestTimeout"/> and the caller's token.
/// </summary>
public sealed class FirecrackerApiClient : IDisposable
{
    private readonly HttpClient _http;

    public FirecrackerApiClient(string apiSocketPath, TimeSpan? requestTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(apiSocketPath);
        ApiSocketPath = apiSocketPath;
        RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(30);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(apiSocketPath), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            UseProxy = false,
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://localhost/"), Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public string ApiSocketPath { get; }

    public TimeSpan RequestTimeout { get; }

    /// <summary>PATCH /vm {"state": "Paused"}: stops the vCPUs.</summary>
    public Task PauseAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Patch, "vm", new FirecrackerVmState("Paused"), FirecrackerJsonContext.Default.FirecrackerVmState, cancellationToken);

    /// <summary>PATCH /vm {"state": "Resumed"}.</summary>
    public Task ResumeAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Patch, "vm", new FirecrackerVmState("Resumed"), FirecrackerJsonContext.Default.FirecrackerVmState, cancellationToken);

    /// <summary>PUT /snapshot/create: the guest memory to <c>mem_file_path</c>, the device state to <c>snapshot_path</c> (the VM must be paused).</summary>
    public Task CreateSnapshotAsync(FirecrackerSnapshotCreate request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "snapshot/create", request, FirecrackerJsonContext.Default.FirecrackerSnapshotCreate, cancellationToken);

    /// <summary>PUT /snapshot/load on the destination's Firecracker, e.g. with a Uffd <c>mem_backend</c> pointing at <c>uffd-handler</c>.</summary>
    public Task LoadSnapshotAsync(FirecrackerSnapshotLoad request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, "snapshot/load", request, FirecrackerJsonContext.Default.FirecrackerSnapshotLoad, cancellationToken);

    /// <summary>GET /: the instance's id, state ("Running", "Paused", "Not started") and version.</summary>
    public Task<FirecrackerInstanceInfo> GetInstanceInfoAsync(CancellationToken cancellationToken) =>
        GetAsync("", FirecrackerJsonContext.Default.FirecrackerInstanceInfo, cancellationToken);

    /// <summary>GET /machine-config: vCPUs, memory size and huge pages.</summary>
    public Task<FirecrackerMachineConfig> GetMachineConfigAsync(CancellationToken cancellationToken) =>
        GetAsync("machine-config", FirecrackerJsonContext.Default.FirecrackerMachineConfig, cancellationToken);

    public void Dispose() => _http.Dispose();

    private async Task SendAsync<T>(HttpMethod method, string path, T body, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = new StringContent(JsonSerializer.Serialize(body, type), Encoding.UTF8, "application/json"),
        };
        using var response = await SendCoreAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await SendCoreAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(text, type) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new FirecrackerApiException($"firecracker API GET /{path}: the answer is not the expected JSON: {e.Message}", HttpStatusCode.OK, null, e);
        }
    }

    private async Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var what = $"firecracker API {request.Method} /{request.RequestUri}";
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FirecrackerApiException($"{what}: no answer within {RequestTimeout.TotalSeconds:0.#} s", 0, null);
        }
        catch (HttpRequestException e)
        {
            var reason = e.InnerException is SocketException s ? s.Message : e.Message;
            throw new FirecrackerApiException($"{what}: cannot reach {ApiSocketPath}: {reason}", 0, null, e);
        }
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            string? fault = null;
            try
            {
                fault = JsonSerializer.Deserialize(text, FirecrackerJsonContext.Default.FirecrackerFault)?.FaultMessage;
            }
            catch (JsonException)
            {
            }
            var detail = fault ?? (text.Length == 0 ? response.ReasonPhrase : GuestAssist.Host.Firecracker.PrintableText.Escape(text.Length > 200 ? text[..200] : text));
            throw new FirecrackerApiException($"{what}: {(int)response.StatusCode} {detail}", response.StatusCode, fault);
        }
    }
}
