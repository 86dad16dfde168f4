using System.Buffers.Binary;
using System.Net.Http.Json;
using Grid.Domain.People;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Web.Tests;

public static class FieldHelpers
{
    /// <summary>Width and height from a JPEG's SOF segment.</summary>
    public static (int Width, int Height) JpegSize(byte[] jpeg)
    {
        var pos = 2;
        while (pos + 9 < jpeg.Length)
        {
            var marker = jpeg[pos + 1];
            var length = BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(pos + 2));
            if (marker is 0xC0 or 0xC1 or 0xC2)
                return (BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(pos + 7)), BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(pos + 5)));
            pos += 2 + length;
        }
        throw new InvalidOperationException("No SOF segment in the JPEG.");
    }

    public static async Task<IReadOnlyList<CaseView>> CasesInCellAsync(TestUser user, string cell)
    {
        var page = await TestWorld.ReadAsync<CasePage>(await user.Client.GetAsync($"/api/cases?cell={cell}&pageSize=200"));
        return page.Items;
    }

    /// <summary>A case reported in cell i and dispatched (to the cell's worker, by the assignee rule).</summary>
    public static async Task<CaseView> DispatchedCaseAsync(TestWorld world, TestUser reporter, int cell = 0)
    {
        var op = await world.PersonAsync([Role.Operator], []);
        var c = await world.ReportAsync(reporter, cell);
        await op.StepOkAsync(c.Id, "register");
        return await op.StepOkAsync(c.Id, "dispatch");
    }
}
