using Grid.Server.Auth;
using Grid.Web.Pages.Admin;
using Microsoft.AspNetCore.Components.Authorization;

namespace Grid.Server.Staff;

/// <summary>The /admin/people page's data and actions: <see cref="PeopleAdmin"/> for the circuit's person, the same checks as the routes.</summary>
public sealed class PeopleAdminSource(AuthenticationStateProvider auth, PeopleAdmin people) : IPeopleAdminSource
{
    private async Task<Viewer> ViewerAsync() => Viewer.From((await auth.GetAuthenticationStateAsync()).User);

    public async Task<PeoplePage> ListAsync(PeopleQuery query) =>
        (await people.ListAsync(await ViewerAsync(), query)).Page ?? new PeoplePage([], 0);

    public async Task<PeopleChoices> ChoicesAsync() => await people.ChoicesAsync(await ViewerAsync());

    public async Task<AdminOutcome> CreateAsync(PersonForm form) => await people.CreateAsync(await ViewerAsync(), form);

    public async Task<AdminOutcome> UpdateAsync(Guid id, PersonForm form) => await people.UpdateAsync(await ViewerAsync(), id, form);

    public async Task<AdminOutcome> DeactivateAsync(Guid id) => await people.DeactivateAsync(await ViewerAsync(), id);

    public async Task<AdminOutcome> ReactivateAsync(Guid id) => await people.ReactivateAsync(await ViewerAsync(), id);

    public async Task<AdminOutcome> ResetPasswordAsync(Guid id, string? password) => await people.ResetPasswordAsync(await ViewerAsync(), id, password);

    public async Task<ImportPreview> PreviewImportAsync(Stream file, string fileName)
    {
        var (rows, error) = StaffSheet.Read(await ReadAsync(file), fileName);
        var (preview, refusal) = await people.PreviewImportAsync(await ViewerAsync(), rows, error);
        return preview ?? new ImportPreview([], refusal!.Error, 0);
    }

    public async Task<ImportPreview> ImportAsync(Stream file, string fileName)
    {
        var (rows, error) = StaffSheet.Read(await ReadAsync(file), fileName);
        var (preview, refusal) = await people.ImportAsync(await ViewerAsync(), rows, error);
        return preview ?? new ImportPreview([], refusal!.Error, 0);
    }

    private static async Task<byte[]> ReadAsync(Stream file)
    {
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer);
        return buffer.ToArray();
    }
}
