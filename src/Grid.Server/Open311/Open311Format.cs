using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;

namespace Grid.Server.Open311;

/// <summary>An ordered GeoReport object: its fields in the spec's order.</summary>
public sealed class O311Obj : List<KeyValuePair<string, object?>>
{
    public O311Obj Add(string name, object? value)
    {
        Add(new KeyValuePair<string, object?>(name, value));
        return this;
    }
}

/// <summary>A GeoReport list: a JSON array, or in XML a parent element with one child per item.</summary>
public sealed record O311List(string ItemName, IReadOnlyList<object?> Items);

/// <summary>
/// Writes GeoReport v2 documents in the two formats of the spec, from one tree so that XML and JSON
/// always say the same thing: JSON arrays of objects, XML root elements with one child per item.
/// </summary>
public static class Open311Format
{
    public static bool TryParse(string? format, out bool xml)
    {
        xml = string.Equals(format, "xml", StringComparison.OrdinalIgnoreCase);
        return xml || string.Equals(format, "json", StringComparison.OrdinalIgnoreCase);
    }

    public static IResult Write(bool xml, string root, object document, int status = StatusCodes.Status200OK) =>
        xml
            ? Results.Text(ToXml(root, document), "text/xml; charset=utf-8", Encoding.UTF8, status)
            : Results.Text(ToJson(document), "application/json; charset=utf-8", Encoding.UTF8, status);

    /// <summary>The spec's error list: [{"code":400,"description":"..."}] or &lt;errors&gt;&lt;error&gt;...</summary>
    public static IResult Errors(bool xml, int status, params string[] descriptions) =>
        Write(xml, "errors", new O311List("error", descriptions.Select(d => (object?)new O311Obj().Add("code", status).Add("description", d)).ToList()), status);

    public static string ToJson(object document)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All) }))
        {
            WriteJson(writer, document);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteJson(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            // The spec's JSON is the Spark mapping of its XML: an empty element is null, never "".
            case null or "": w.WriteNullValue(); break;
            case O311Obj obj:
                w.WriteStartObject();
                foreach (var (k, v) in obj) { w.WritePropertyName(k); WriteJson(w, v); }
                w.WriteEndObject();
                break;
            case O311List list:
                w.WriteStartArray();
                foreach (var item in list.Items) WriteJson(w, item);
                w.WriteEndArray();
                break;
            case bool b: w.WriteBooleanValue(b); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case double d: w.WriteNumberValue(d); break;
            case DateTimeOffset t: w.WriteStringValue(Date(t)); break;
            default: w.WriteStringValue(value.ToString()); break;
        }
    }

    public static string ToXml(string root, object document)
    {
        var sb = new StringBuilder();
        using (var w = XmlWriter.Create(new StringWriterUtf8(sb), new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false }))
        {
            w.WriteStartDocument();
            w.WriteStartElement(root);
            WriteXmlContent(w, document);
            w.WriteEndElement();
            w.WriteEndDocument();
        }
        return sb.ToString();
    }

    private static void WriteXmlContent(XmlWriter w, object? value)
    {
        switch (value)
        {
            case null: break;
            case O311Obj obj:
                foreach (var (k, v) in obj)
                {
                    w.WriteStartElement(k);
                    WriteXmlContent(w, v);
                    w.WriteEndElement();
                }
                break;
            case O311List list:
                foreach (var item in list.Items)
                {
                    w.WriteStartElement(list.ItemName);
                    WriteXmlContent(w, item);
                    w.WriteEndElement();
                }
                break;
            case bool b: w.WriteString(b ? "true" : "false"); break;
            case IFormattable f and not DateTimeOffset: w.WriteString(f.ToString(null, CultureInfo.InvariantCulture)); break;
            case DateTimeOffset t: w.WriteString(Date(t)); break;
            default: w.WriteString(value.ToString()); break;
        }
    }

    /// <summary>ISO 8601 with the offset, as the spec requires (w3 note subset), in China time.</summary>
    public static string Date(DateTimeOffset t) =>
        t.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private sealed class StringWriterUtf8(StringBuilder sb) : StringWriter(sb, CultureInfo.InvariantCulture)
    {
        public override Encoding Encoding => Encoding.UTF8;
    }
}
