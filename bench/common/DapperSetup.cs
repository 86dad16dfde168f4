using System.Runtime.CompilerServices;

namespace GridBench;

// The benchmarks' seeders and checks read rows with Dapper into snake_case-named columns (the server
// no longer uses Dapper and so no longer sets this for them).
internal static class DapperSetup
{
    [ModuleInitializer]
    internal static void MatchUnderscores() => Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
}
