using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Catalogue;
using Grid.Server.Grid;
using Grid.Server.Http;
using Grid.Server.Intake;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Grid.Server.Monitoring;

/// <summary>The "Monitoring" configuration section.</summary>
public sealed class MonitoringOptions
{
    /// <summary>A device that made this many cases within the window is flapping: further alarms are recorded, not filed.</summary>
    public int FlapMaxCases { get; set; } = 3;
    public int FlapWindowMinutes { get; set; } = 60;
}

public sealed record SystemRequest(string? Id, string? Name);
public sealed record SystemSecret(string Id, string Name, string Secret);
/// <param name="Version">The version the change was made on (0: a new kind); without it the last save wins.</param>
public sealed record KindRequest(string? Kind, string? SystemId, string? CategoryCode, string? Priority, int? Version = null);
/// <param name="Version">The version the change was made on (0: a new device); without it the last save wins.</param>
public sealed record DeviceRequest(string? Id, string? Kind, string? Name, double? Lat, double? Lon, string? Address, int? Version = null);
public sealed record DeviceView(string Id, string Kind, string SystemId, string CategoryCode, string Name, double Lat, double Lon, string CellCode,
    string Address, IReadOnlyDictionary<string, int>? Alarms, int Version = 1);
public sealed record Alarm(string? DeviceId, string? AlarmType, string? Message);
public sealed record AlarmReceipt(string DeviceId, string Outcome, long? CaseId);

/// <summary>
/// Monitoring systems (public security, traffic, water, street lighting, environment, work safety):
/// registered devices, one alarm webhook per device kind, a shared secret per system. An alarm
/// files a case at the device's location; repeats while that case is open are attached to it; a
/// device that keeps raising new cases is throttled.
/// </summary>
public static class MonitoringEndpoints
{
    public static IServiceCollection AddMonitoring(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<MonitoringOptions>(config.GetSection("Grid:Monitoring"));
        services.AddSingleton<MonitoringRepository>();
        services.AddSingleton<MonitoringAdmin>();
        services.AddScoped<global::Grid.Web.Pages.Admin.IDeviceAdmin, DeviceAdminSource>();
        return services;
    }

    public static void MapMonitoring(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/monitoring").WithTags("Monitoring");
        admin.MapPost("/systems", SaveSystem);
        admin.MapPost("/systems/{id}/rotate-secret", RotateSecret);
        admin.MapPost("/kinds", SaveKind);
        admin.MapPost("/devices", SaveDevice);
        admin.MapGet("/devices", ListDevices);
        admin.MapGet("/devices/{id}", GetDevice);
        // Systems post with their shared secret, not a cookie.
        admin.MapPost("/alarms/{kind}", ReceiveAlarm).AllowAnonymous().DisableAntiforgery();
    }

    private static bool IsCode(string? s) => s is { Length: > 0 and <= 40 } && s[0] is >= 'a' and <= 'z' && s.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_');

    internal static async Task<Results<Created<SystemSecret>, ProblemHttpResult>> SaveSystem(SystemRequest body, HttpContext http, MonitoringRepository repo, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        if (!viewer.Has(Role.Admin)) return Problems.Forbidden("Only administrators register monitoring systems.");
        if (!IsCode(body.Id)) return Problems.BadRequest("'id' is a lower-case code such as street_lighting (letters, digits, _).");
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 100) return Problems.BadRequest("'name' (1 to 100 characters) is required.");
        var secret = await repo.SaveSystemAsync(body.Id!, body.Name.Trim(), viewer.PersonId, clock.GetUtcNow());
        return TypedResults.Created($"/api/monitoring/systems/{body.Id}", new SystemSecret(body.Id!, body.Name.Trim(), secret));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> SaveKind(KindRequest body, HttpContext http, MonitoringRepository repo,
        CatalogueRepository catalogue, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        if (!viewer.Has(Role.Admin)) return Problems.Forbidden("Only administrators map device kinds.");
        if (!IsCode(body.Kind)) return Problems.BadRequest("'kind' is a lower-case code such as street_light.");
        if (body.SystemId is null || !await repo.SystemExistsAsync(body.SystemId)) return Problems.BadRequest($"There is no monitoring system '{body.SystemId}'; register it first.");
        if (body.CategoryCode is null || await catalogue.FindCategoryAsync(body.CategoryCode) is null) return Problems.BadRequest($"There is no category '{body.CategoryCode}'.");
        if (body.Priority is not (null or "normal" or "urgent")) return Problems.BadRequest("'priority' is normal or urgent.");
        if (body.Version is < 0) return Problems.BadRequest("'version' is the version of the kind you edited (0 for a new kind).");
        if (!await repo.SaveKindAsync(body.Kind!, body.SystemId, body.CategoryCode, body.Priority ?? "normal", body.Version, viewer.PersonId, clock.GetUtcNow()))
        {
            var current = await repo.FindKindAsync(body.Kind!);
            return TypedResults.Problem(body.Version == 0 || current is null
                    ? $"Device kind '{body.Kind}' exists already (version {current?.Version}); edit it with its version."
                    : $"Device kind '{body.Kind}' was changed by someone else meanwhile (version {current.Version}, you edited version {body.Version}). Look at it now and save again.",
                statusCode: StatusCodes.Status409Conflict, title: "Changed meanwhile", extensions: new Dictionary<string, object?> { ["current"] = current });
        }
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<DeviceView>, ValidationProblem, ProblemHttpResult>> SaveDevice(DeviceRequest body, HttpContext http,
        MonitoringRepository repo, GridRepository grid, IOptions<GridOptions> options, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        if (!viewer.Has(Role.Admin)) return Problems.Forbidden("Only administrators register devices.");
        var errors = new Errors();
        if (string.IsNullOrWhiteSpace(body.Id) || body.Id.Length > 100) errors.Add("id", "'id' (the system's device id, 1 to 100 characters) is required.");
        if (body.Kind is null || await repo.KindSystemAsync(body.Kind) is null) errors.Add("kind", $"Device kind '{body.Kind}' is not mapped; POST /api/monitoring/kinds first.");
        Coordinates.Check(body.Lat, body.Lon, options.Value, errors);
        errors.MaxLength(body.Address, 200, "address");
        errors.MaxLength(body.Name, 100, "name");
        if (body.Version is < 0) errors.Add("version", "'version' is the version of the device you edited (0 for a new device).");
        if (errors.Any) return errors.ToProblem();
        var cell = await grid.LocateAsync(body.Lat!.Value, body.Lon!.Value, options.Value.NearestCellMaxMeters);
        if (cell is null) return Problems.Unprocessable(Coordinates.NoCellMessage(body.Lat.Value, body.Lon.Value, options.Value.NearestCellMaxMeters));
        if (!await repo.SaveDeviceAsync(body.Id!.Trim(), body.Kind!, body.Name?.Trim() ?? "", body.Lat.Value, body.Lon.Value, cell.Code, body.Address?.Trim() ?? "",
                body.Version, viewer.PersonId, clock.GetUtcNow()))
        {
            var current = ToView((await repo.FindDeviceAsync(body.Id.Trim()))!, null);
            return TypedResults.Problem(body.Version == 0
                    ? $"Device '{current.Id}' exists already (version {current.Version}); select it in the list to edit it."
                    : $"Device '{current.Id}' was changed by someone else meanwhile (version {current.Version}, you edited version {body.Version}). Look at it now and save again.",
                statusCode: StatusCodes.Status409Conflict, title: "Changed meanwhile", extensions: new Dictionary<string, object?> { ["current"] = current });
        }
        return TypedResults.Ok(ToView((await repo.FindDeviceAsync(body.Id.Trim()))!, null));
    }

    /// <summary>POST /api/monitoring/systems/{id}/rotate-secret: a new alarm secret, shown once; the old one is refused from now on.</summary>
    private static async Task<IResult> RotateSecret(string id, HttpContext http, MonitoringAdmin admin, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        if (!viewer.Has(Role.Admin)) return Problems.Forbidden("Only administrators rotate alarm secrets.");
        var result = await admin.RotateSecretAsync(viewer, id, clock.GetUtcNow());
        return result.Ok ? TypedResults.Ok(new SystemSecret(id, "", result.Value!.Secret)) : Admin.AdminAnswers.ToHttp(result);
    }

    private static DeviceView ToView(DeviceRow d, IReadOnlyDictionary<string, int>? alarms) =>
        new(d.Id, d.Kind, d.SystemId, d.CategoryCode, d.Name, d.Lat, d.Lon, d.CellCode, d.Address, alarms, d.Version);

    private static readonly Role[] Readers = [Role.Admin, Role.Operator, Role.ShiftLead, Role.Dispatcher, Role.Supervisor];

    private static async Task<Results<Ok<IReadOnlyList<DeviceView>>, ProblemHttpResult>> ListDevices(HttpContext http, MonitoringRepository repo)
    {
        if (!Viewer.From(http.User).Roles.Any(Readers.Contains)) return Problems.Forbidden("Only the command center and administrators list devices.");
        return TypedResults.Ok<IReadOnlyList<DeviceView>>((await repo.ListDevicesAsync()).Select(d => ToView(d, null)).ToList());
    }

    private static async Task<Results<Ok<DeviceView>, ProblemHttpResult>> GetDevice(string id, HttpContext http, MonitoringRepository repo)
    {
        if (!Viewer.From(http.User).Roles.Any(Readers.Contains)) return Problems.Forbidden("Only the command center and administrators see devices.");
        var d = await repo.FindDeviceAsync(id);
        if (d is null) return Problems.NotFound($"There is no device '{id}'.");
        return TypedResults.Ok(ToView(d, (await repo.AlarmCountsAsync(id)).ToDictionary(a => a.Outcome, a => a.Count)));
    }

    /// <summary>Reads an alarm from JSON or XML. XML is parsed with DTDs prohibited and no resolver: no entity expansion, no external fetch.</summary>
    private static async Task<(Alarm? Alarm, string? Error)> ReadAlarmAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        buffer.Position = 0;
        var type = request.ContentType ?? "";
        if (type.Contains("xml", StringComparison.OrdinalIgnoreCase))
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 100_000 };
            try
            {
                using var reader = XmlReader.Create(buffer, settings);
                string? device = null, kind = null, message = null;
                // ReadElementContentAsString already moves to the node after the element; reading again
                // would skip a sibling written without whitespace between them (<deviceId>..</deviceId><alarmType>).
                reader.Read();
                while (!reader.EOF)
                {
                    if (reader.NodeType == XmlNodeType.Element && reader.LocalName is "deviceId" or "alarmType" or "message")
                    {
                        var name = reader.LocalName;
                        var text = reader.ReadElementContentAsString();
                        if (name == "deviceId") device = text; else if (name == "alarmType") kind = text; else message = text;
                        continue;
                    }
                    reader.Read();
                }
                return (new Alarm(device, kind, message), null);
            }
            catch (XmlException e)
            {
                return (null, $"The XML body could not be read ({e.Message}). DTDs and entities are not accepted.");
            }
        }
        try
        {
            return (JsonSerializer.Deserialize<Alarm>(buffer, new JsonSerializerOptions(JsonSerializerDefaults.Web)), null);
        }
        catch (JsonException e)
        {
            return (null, $"The request body is not valid JSON: {e.Message.Split(" Path:")[0]}");
        }
    }

    /// <summary>POST /api/monitoring/alarms/{kind} with X-Monitoring-Secret: the system's shared secret.</summary>
    private static async Task<IResult> ReceiveAlarm(string kind, HttpContext http, MonitoringRepository repo, IntakeService intake,
        IOptions<MonitoringOptions> options, TimeProvider clock)
    {
        var secretHash = await repo.SystemSecretHashAsync(kind);
        if (secretHash is null) return Problems.NotFound($"Device kind '{kind}' is not registered.");
        var given = http.Request.Headers["X-Monitoring-Secret"].ToString();
        if (given.Length == 0) return Problems.Unauthorized("Send the monitoring system's shared secret in the X-Monitoring-Secret header.");
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(MonitoringRepository.Hash(given)), Encoding.ASCII.GetBytes(secretHash)))
            return Problems.Forbidden($"The secret is not the one of the system that sends '{kind}' alarms.");
        var (alarm, error) = await ReadAlarmAsync(http.Request);
        if (error is not null) return Problems.BadRequest(error);
        if (string.IsNullOrWhiteSpace(alarm?.DeviceId)) return Problems.BadRequest("'deviceId' is required.");
        if (alarm.AlarmType is { Length: > 100 } || alarm.Message is { Length: > 1000 }) return Problems.BadRequest("'alarmType' is limited to 100 and 'message' to 1000 characters.");
        var device = await repo.FindDeviceAsync(alarm.DeviceId.Trim());
        if (device is null || device.Kind != kind) return Problems.NotFound($"There is no {kind} device '{alarm.DeviceId}'; an administrator registers devices.");

        var now = clock.GetUtcNow();
        string alarmType = alarm.AlarmType ?? "", message = alarm.Message ?? "";
        return await repo.UnderDeviceLockAsync<IResult>(device.Id, async db =>
        {
            if (await MonitoringRepository.OpenCaseAsync(db, device.Id) is { } open)
            {
                await MonitoringRepository.InsertAlarmAsync(db, device.Id, now, alarmType, message, open, "attached");
                return TypedResults.Ok(new AlarmReceipt(device.Id, "attached", open));
            }
            var o = options.Value;
            if (await MonitoringRepository.CasesSinceAsync(db, device.Id, now.AddMinutes(-o.FlapWindowMinutes)) >= o.FlapMaxCases)
            {
                await MonitoringRepository.InsertAlarmAsync(db, device.Id, now, alarmType, message, null, "throttled");
                return TypedResults.Json(new AlarmReceipt(device.Id, "throttled", null), statusCode: StatusCodes.Status202Accepted);
            }
            var description = $"[{kind}] {device.Name} {device.Id}: {alarm.AlarmType} {alarm.Message}".Trim();
            var report = new IntakeReport(device.Lat, device.Lon, device.Address, device.CategoryCode, description.Length > 2000 ? description[..2000] : description,
                device.Priority, "sensor", null, null, null, null);
            var filed = await intake.FileAsync(report, channelRows: (caseDb, caseId) =>
                MonitoringRepository.InsertAlarmAsync(caseDb, device.Id, now, alarmType, message, caseId, "case_created"));
            if (filed.Status == IntakeStatus.NoCell) return Problems.Unprocessable(filed.Message!);
            return TypedResults.Created($"/api/cases/{filed.CaseId}", new AlarmReceipt(device.Id, "case_created", filed.CaseId));
        });
    }
}
