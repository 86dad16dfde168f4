using Microsoft.AspNetCore.Http.HttpResults;

namespace Grid.Server.Catalogue;

public static class CatalogueEndpoints
{
    public static void MapCatalogue(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Catalogue");
        group.MapGet("/categories", ListCategories);
        group.MapGet("/units", ListUnits);
    }

    private static async Task<Ok<IReadOnlyList<CategoryRow>>> ListCategories(CatalogueRepository catalogue) =>
        TypedResults.Ok(await catalogue.ListCategoriesAsync());

    private static async Task<Ok<IReadOnlyList<UnitRow>>> ListUnits(CatalogueRepository catalogue) =>
        TypedResults.Ok(await catalogue.ListUnitsAsync());
}
