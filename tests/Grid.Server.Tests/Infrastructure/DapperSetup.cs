using System.Runtime.CompilerServices;

namespace Grid.Server.Tests.Infrastructure;

// The tests read rows with Dapper into snake_case-named columns (the server no longer uses Dapper and
// so no longer sets this for them).
internal static class DapperSetup
{
    [ModuleInitializer]
    internal static void MatchUnderscores() => Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
}
