namespace Grid.Server.Data;

/// <summary>The audit trail of state changes that are not case steps (sign-ins, imports, keys, devices,
/// merges, patrols). Case steps are in case_history.</summary>
public static class AuditLog
{
    /// <summary>Parameters: @Now, @Actor (person id or null), @Action, @Subject ("kind:id"), @Details (JSON text).</summary>
    public const string InsertSql = """
        insert into audit_log (at, actor_id, action, subject, details) values (@Now, @Actor, @Action, @Subject, @Details::jsonb)
        """;
}
