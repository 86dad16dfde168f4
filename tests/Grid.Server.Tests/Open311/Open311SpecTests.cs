using Dapper;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Grid.Server.Tests.Infrastructure;
using static Grid.Server.Tests.Intake.IntakeHelpers;

namespace Grid.Server.Tests.Open311;

/// <summary>
/// Round trips against the example requests and responses of the GeoReport v2 specification
/// (wiki.open311.org/GeoReport_v2, source open311/open311.github.io GeoReport_v2/index.md). The
/// requests are the spec's, adapted only where our data must differ (a point inside the test city,
/// our service codes and key, our jurisdiction_id, dates inside the default window). Each answer is
/// compared with the spec's example document by shape: the same root and element names, the same
/// nesting, the same field names, and the spec's value formats (W3C date-times with an offset,
/// true/false, open/closed, numbers). JSON follows the spec's Spark convention: an empty XML
/// element is null in JSON, never "". The spec's JSON examples write ids as numbers with leading
/// zeros (001), which is not JSON; those are quoted before parsing, and an id may be a string.
/// </summary>
public sealed class Open311SpecTests
{
    private const string Jurisdiction = "liangxi.wuxi.gridcity";

    // ---- the spec's example documents (one item of each list is enough for the shape) ----

    private const string ServicesXml = """
        <?xml version="1.0" encoding="utf-8"?>
        <services>
            <service>
                <service_code>001</service_code>
                <service_name>Cans left out 24x7</service_name>
                <description>Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.</description>
                <metadata>true</metadata>
                <type>realtime</type>
                <keywords>lorem, ipsum, dolor</keywords>
                <group>sanitation</group>
            </service>
        </services>
        """;

    private const string ServicesJson = """
        [
          {
            "service_code":001,
            "service_name":"Cans left out 24x7",
            "description":"Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.",
            "metadata":true,
            "type":"realtime",
            "keywords":"lorem, ipsum, dolor",
            "group":"sanitation"
          }
        ]
        """;

    private const string DefinitionXml = """
        <?xml version="1.0" encoding="utf-8"?>
        <service_definition>
            <service_code>DMV66</service_code>
            <attributes>
                <attribute>
                    <variable>true</variable>
                    <code>WHISHETN</code>
                    <datatype>singlevaluelist</datatype>
                    <required>true</required>
                    <datatype_description></datatype_description>
                    <order>1</order>
                    <description>What is the ticket/tag/DL number?</description>
                    <values>
                        <value>
                            <key>123</key>
                            <name>Ford</name>
                        </value>
                        <value>
                            <key>124</key>
                            <name>Chrysler</name>
                        </value>
                    </values>
                </attribute>
            </attributes>
        </service_definition>
        """;

    private const string DefinitionJson = """
        {
          "service_code":"DMV66",
          "attributes":[
            {
              "variable":true,
              "code":"WHISHETN",
              "datatype":"singlevaluelist",
              "required":true,
              "datatype_description":null,
              "order":1,
              "description":"What is the ticket/tag/DL number?",
              "values":[
                { "key":123, "name":"Ford" },
                { "key":124, "name":"Chrysler" }
              ]
            }
          ]
        }
        """;

    /// <summary>The spec's example POST body; our key, service, point and attributes go in its place.</summary>
    private const string PostBody =
        "api_key={KEY}&jurisdiction_id={JURISDICTION}&service_code=C9901&lat={LAT}&long={LON}&address_string=1234+5th+street" +
        "&email=smit333%40sfgov.edu&device_id=tt222111&account_id=123456&first_name=john&last_name=smith&phone=111111111" +
        "&description=A+large+sinkhole+is+destroying+the+street" +
        "&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg" +
        "&attribute[COVER_STATE]=missing&attribute[DEPTH]=40";

    private const string PostXml = """
        <?xml version="1.0" encoding="utf-8"?>
        <service_requests>
            <request>
                <service_request_id>293944</service_request_id>
                <service_notice>
                    The City will inspect and require the responsible party to correct within 24 hours and/or issue a Correction Notice or Notice of Violation of the Public Works Code
                </service_notice>
                <account_id/>
            </request>
        </service_requests>
        """;

    private const string PostJson = """
        [
          {
            "service_request_id":293944,
            "service_notice":"The City will inspect and require the responsible party to correct within 24 hours and/or issue a Correction Notice or Notice of Violation of the Public Works Code",
            "account_id":null
          }
        ]
        """;

    private const string TokenXml = """
        <?xml version="1.0" encoding="utf-8"?>
        <service_requests>
            <request>
                <service_request_id>638344</service_request_id>
                <token>12345</token>
            </request>
        </service_requests>
        """;

    private const string TokenJson = """
        [
          {
            "service_request_id":638344,
            "token":12345
          }
        ]
        """;

    private const string RequestsXml = """
        <?xml version="1.0" encoding="utf-8"?>
        <service_requests>
            <request>
                <service_request_id>638344</service_request_id>
                <status>closed</status>
                <status_notes>Duplicate request.</status_notes>
                <service_name>Sidewalk and Curb Issues</service_name>
                <service_code>006</service_code>
                <description></description>
                <agency_responsible></agency_responsible>
                <service_notice></service_notice>
                <requested_datetime>2010-04-14T06:37:38-08:00</requested_datetime>
                <updated_datetime>2010-04-14T06:37:38-08:00</updated_datetime>
                <expected_datetime>2010-04-15T06:37:38-08:00</expected_datetime>
                <address>8TH AVE and JUDAH ST</address>
                <address_id>545483</address_id>
                <zipcode>94122</zipcode>
                <lat>37.762221815</lat>
                <long>-122.4651145</long>
                <media_url>http://city.gov.s3.amazonaws.com/requests/media/638344.jpg </media_url>
            </request>
        </service_requests>
        """;

    private const string RequestsJson = """
        [
          {
            "service_request_id":638344,
            "status":"closed",
            "status_notes":"Duplicate request.",
            "service_name":"Sidewalk and Curb Issues",
            "service_code":006,
            "description":null,
            "agency_responsible":null,
            "service_notice":null,
            "requested_datetime":"2010-04-14T06:37:38-08:00",
            "updated_datetime":"2010-04-14T06:37:38-08:00",
            "expected_datetime":"2010-04-15T06:37:38-08:00",
            "address":"8TH AVE and JUDAH ST",
            "address_id":545483,
            "zipcode":94122,
            "lat":37.762221815,
            "long":-122.4651145,
            "media_url":"http://city.gov.s3.amazonaws.com/requests/media/638344.jpg "
          }
        ]
        """;

    private const string ErrorsXml = """
        <?xml version="1.0" encoding="utf-8"?>
        <errors>
            <error>
                <code>403</code>
                <description>Invalid api_key received -- can't proceed with create_request.</description>
            </error>
        </errors>
        """;

    private const string ErrorsJson = """
        [
          {
            "code":403,
            "description":"Invalid api_key received -- can't proceed with create_request."
          }
        ]
        """;

    // ---- the round trips ----

    [Fact]
    public async Task Service_list_and_definition_have_the_shape_of_the_spec_examples()
    {
        var server = await TestServer.SharedAsync();
        await EnsureAttributesAsync(server);
        var client = server.Anonymous();

        var services = await GetXmlAsync(client, $"/open311/v2/services.xml?jurisdiction_id={Jurisdiction}");
        AssertXmlShape(ServicesXml, services);
        Assert.Contains(services.Root!.Elements("service"), s => s.Element("service_code")!.Value == "C9901" && s.Element("metadata")!.Value == "true");
        AssertJsonShape(ServicesJson, await GetJsonAsync(client, $"/open311/v2/services.json?jurisdiction_id={Jurisdiction}"));

        // The spec's definition has a required singlevaluelist with values; so has C9901.
        var definition = await GetXmlAsync(client, $"/open311/v2/services/C9901.xml?jurisdiction_id={Jurisdiction}");
        AssertXmlShape(DefinitionXml, definition);
        var attribute = definition.Root!.Element("attributes")!.Elements("attribute").First();
        Assert.Equal(("COVER_STATE", "singlevaluelist", "true"), (attribute.Element("code")!.Value, attribute.Element("datatype")!.Value, attribute.Element("required")!.Value));
        var json = await GetJsonAsync(client, $"/open311/v2/services/C9901.json?jurisdiction_id={Jurisdiction}");
        AssertJsonShape(DefinitionJson, json);
        // An empty datatype_description is null in JSON, as in the spec's example.
        Assert.Equal(JsonValueKind.Null, json.GetProperty("attributes")[0].GetProperty("datatype_description").ValueKind);
    }

    [Fact]
    public async Task The_spec_example_post_answers_the_spec_response_and_the_request_reads_back_like_the_spec_example()
    {
        var server = await TestServer.SharedAsync();
        await EnsureAttributesAsync(server);
        var world = await TestWorld.CreateAsync(server);
        var key = await IssueKeyAsync(world, scope: "open311");
        var client = server.Anonymous();

        var ids = new List<string>();
        foreach (var (format, cell) in new[] { ("xml", 0), ("json", 4) })
        {
            var (lat, lon) = world.Inside(cell);
            var body = PostBody.Replace("{KEY}", key).Replace("{JURISDICTION}", Jurisdiction).Replace("{LAT}", F(lat)).Replace("{LON}", F(lon));
            var response = await client.PostAsync($"/open311/v2/requests.{format}", new StringContent(body, Encoding.UTF8)
            {
                Headers = { ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/x-www-form-urlencoded; charset=utf-8") },
            });
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, text);
            if (format == "xml")
            {
                AssertXmlHeaders(response, text);
                var doc = XDocument.Parse(text);
                AssertXmlShape(PostXml, doc);
                ids.Add(doc.Root!.Element("request")!.Element("service_request_id")!.Value);
                Assert.Equal("123456", doc.Root!.Element("request")!.Element("account_id")!.Value);
            }
            else
            {
                AssertJsonHeaders(response);
                var doc = JsonDocument.Parse(text).RootElement;
                AssertJsonShape(PostJson, doc);
                ids.Add(doc[0].GetProperty("service_request_id").GetString()!);
            }
        }

        // GET requests with the spec's sample query (dates moved into our window), then one request.
        var start = DateTimeOffset.UtcNow.AddDays(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var end = DateTimeOffset.UtcNow.AddDays(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var query = $"start_date={start}&end_date={end}&status=open&jurisdiction_id={Jurisdiction}";
        var list = await GetXmlAsync(client, $"/open311/v2/requests.xml?{query}");
        AssertXmlShape(RequestsXml, list);
        Assert.Contains(list.Root!.Elements("request"), r => r.Element("service_request_id")!.Value == ids[0]);
        var listJson = await GetJsonAsync(client, $"/open311/v2/requests.json?{query}");
        AssertJsonShape(RequestsJson, listJson);
        Assert.Contains(listJson.EnumerateArray(), r => r.GetProperty("service_request_id").GetString() == ids[1]);

        var one = await GetXmlAsync(client, $"/open311/v2/requests/{ids[0]}.xml?jurisdiction_id={Jurisdiction}");
        AssertXmlShape(RequestsXml, one);
        var request = one.Root!.Element("request")!;
        Assert.Equal(("open", "C9901", "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg"),
            (request.Element("status")!.Value, request.Element("service_code")!.Value, request.Element("media_url")!.Value));
        Assert.Equal("A large sinkhole is destroying the street", request.Element("description")!.Value);
        var oneJson = await GetJsonAsync(client, $"/open311/v2/requests/{ids[1]}.json?jurisdiction_id={Jurisdiction}");
        AssertJsonShape(RequestsJson, oneJson);
        // Fields we do not have are empty in XML and null in JSON, as the spec's examples show them.
        Assert.Equal(JsonValueKind.Null, oneJson[0].GetProperty("service_notice").ValueKind);
        Assert.Equal(JsonValueKind.Null, oneJson[0].GetProperty("zipcode").ValueKind);

        // "service_request_id ... overrides all other arguments": other filters do not hide the ids.
        var overridden = await GetJsonAsync(client,
            $"/open311/v2/requests.json?service_request_id={ids[0]},{ids[1]}&status=closed&service_code=E9901&end_date=2001-01-01T00:00:00Z");
        Assert.Equal(ids.Order(), overridden.EnumerateArray().Select(r => r.GetProperty("service_request_id").GetString()!).Order());
    }

    [Fact]
    public async Task An_address_only_request_answers_like_the_realtime_spec_example_and_its_token_still_resolves()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var key = await IssueKeyAsync(world, scope: "open311");
        var client = server.Anonymous();
        var body = $"api_key={key}&jurisdiction_id={Jurisdiction}&service_code={TestCatalogue.LightEvent}&address_string=1234+5th+street" +
                   "&description=A+pile+of+garbage&account_id=123456";
        var posted = await client.PostAsync("/open311/v2/requests.xml",
            new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"));
        var text = await posted.Content.ReadAsStringAsync();
        Assert.True(posted.IsSuccessStatusCode, text);
        // Services are advertised as realtime: the service_request_id is answered at once, address only or not,
        // and no token ("this should not be returned if token is returned").
        AssertXmlShape(PostXml, XDocument.Parse(text));
        var request = XDocument.Parse(text).Root!.Element("request")!;
        Assert.Null(request.Element("token"));
        var id = request.Element("service_request_id")!.Value;
        Assert.Matches("^[0-9]{14}$", id);

        // Tokens handed out before (the request row keeps one) answer the same id in the spec's token shape.
        await using var conn = await server.Db.OpenConnectionAsync();
        var token = (await conn.ExecuteScalarAsync<Guid>("select token from open311_requests where case_no = @Id", new { Id = id })).ToString();
        var waiting = await GetXmlAsync(client, $"/open311/v2/tokens/{token}.xml?jurisdiction_id={Jurisdiction}");
        AssertXmlShape(TokenXml, waiting);
        var waitingJson = await GetJsonAsync(client, $"/open311/v2/tokens/{token}.json?jurisdiction_id={Jurisdiction}");
        AssertJsonShape(TokenJson, waitingJson);
        Assert.Equal(id, waitingJson[0].GetProperty("service_request_id").GetString());
        Assert.Equal(token, waitingJson[0].GetProperty("token").GetString());
    }

    [Fact]
    public async Task Errors_have_the_shape_and_status_of_the_spec_examples()
    {
        var server = await TestServer.SharedAsync();
        await EnsureAttributesAsync(server);
        var world = await TestWorld.CreateAsync(server);
        var key = await IssueKeyAsync(world, scope: "open311");
        var client = server.Anonymous();
        var (lat, lon) = world.Inside(2);
        var noKey = PostBody.Replace("api_key={KEY}&", "").Replace("{JURISDICTION}", Jurisdiction).Replace("{LAT}", F(lat)).Replace("{LON}", F(lon));
        var badKey = PostBody.Replace("{KEY}", "xyz").Replace("{JURISDICTION}", Jurisdiction).Replace("{LAT}", F(lat)).Replace("{LON}", F(lon));
        var noAttribute = PostBody.Replace("{KEY}", key).Replace("{JURISDICTION}", Jurisdiction).Replace("{LAT}", F(lat)).Replace("{LON}", F(lon))
            .Replace("&attribute[COVER_STATE]=missing", "");

        // "403 - Missing or Invalid API Key", in both formats.
        foreach (var body in new[] { noKey, badKey })
        {
            var xml = await client.PostAsync("/open311/v2/requests.xml", new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"));
            Assert.Equal(HttpStatusCode.Forbidden, xml.StatusCode);
            var text = await xml.Content.ReadAsStringAsync();
            AssertXmlHeaders(xml, text);
            AssertXmlShape(ErrorsXml, XDocument.Parse(text));
            Assert.Equal("403", XDocument.Parse(text).Root!.Element("error")!.Element("code")!.Value);
            var json = await client.PostAsync("/open311/v2/requests.json", new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"));
            Assert.Equal(HttpStatusCode.Forbidden, json.StatusCode);
            AssertJsonHeaders(json);
            var doc = JsonDocument.Parse(await json.Content.ReadAsStringAsync()).RootElement;
            AssertJsonShape(ErrorsJson, doc);
            Assert.Equal(403, doc[0].GetProperty("code").GetInt32());
        }

        // A missing required attribute: 400, the same list, the attribute named.
        var missing = await client.PostAsync("/open311/v2/requests.json", new StringContent(noAttribute, Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        var errors = JsonDocument.Parse(await missing.Content.ReadAsStringAsync()).RootElement;
        AssertJsonShape(ErrorsJson, errors);
        Assert.Contains(errors.EnumerateArray(), e => e.GetProperty("code").GetInt32() == 400 && e.GetProperty("description").GetString()!.Contains("attribute[COVER_STATE]"));

        // 404 for what does not exist: a service, a request, a token, a jurisdiction.
        foreach (var path in new[] { "services/X0000.xml", "requests/00000000000000.xml", $"tokens/{Guid.NewGuid()}.xml", "services.xml?jurisdiction_id=city.gov" })
        {
            var response = await client.GetAsync($"/open311/v2/{path}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            AssertXmlShape(ErrorsXml, XDocument.Parse(text));
        }
    }

    // ---- comparing shapes ----

    private static readonly Regex W3cDateTime = new(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$");

    /// <summary>Elements whose children are the items of a list (in JSON, arrays).</summary>
    private static readonly HashSet<string> Lists = ["services", "attributes", "values", "service_requests", "errors"];

    /// <summary>Fields the spec's examples show as numbers that are identifiers: ours may be strings.</summary>
    private static readonly HashSet<string> Ids = ["service_code", "service_request_id", "token", "key", "address_id", "zipcode"];

    private static readonly HashSet<string> Numbers = ["lat", "long", "order", "code"];

    private static async Task<XDocument> GetXmlAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        AssertXmlHeaders(response, text);
        return XDocument.Parse(text);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        AssertJsonHeaders(response);
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>The spec: text/xml, UTF-8, and the root preceded by the XML declaration with encoding="UTF-8".</summary>
    private static void AssertXmlHeaders(HttpResponseMessage response, string text)
    {
        Assert.Equal("text/xml", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType.CharSet, StringComparer.OrdinalIgnoreCase);
        Assert.Matches(new Regex("""^<\?xml version="1.0" encoding="utf-8"\?>""", RegexOptions.IgnoreCase), text);
    }

    private static void AssertJsonHeaders(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType.CharSet, StringComparer.OrdinalIgnoreCase);
    }

    private static void AssertXmlShape(string specXml, XDocument ours)
    {
        var spec = XDocument.Parse(specXml.Trim()).Root!;
        Assert.Equal(spec.Name.LocalName, ours.Root!.Name.LocalName);
        CompareXml(spec, ours.Root, spec.Name.LocalName);
    }

    private static void CompareXml(XElement spec, XElement ours, string path)
    {
        // Schemaless and without a namespace, as the spec says.
        Assert.True(ours.Name.Namespace == XNamespace.None, $"{path} has a namespace");
        Assert.False(ours.Attributes().Any(), $"{path} has attributes");
        var name = spec.Name.LocalName;
        if (Lists.Contains(name))
        {
            var item = spec.Elements().First();
            Assert.False(ours.Nodes().OfType<XText>().Any(t => !string.IsNullOrWhiteSpace(t.Value)), $"{path} has text");
            foreach (var child in ours.Elements())
            {
                Assert.True(child.Name == item.Name, $"{path} holds <{child.Name}>, the spec holds <{item.Name}>");
                CompareXml(item, child, $"{path}/{item.Name}");
            }
            return;
        }
        if (spec.HasElements)
        {
            var expected = spec.Elements().Select(e => e.Name.LocalName).Order().ToList();
            var actual = ours.Elements().Select(e => e.Name.LocalName).Order().ToList();
            Assert.True(expected.SequenceEqual(actual), $"{path}: the spec has [{string.Join(", ", expected)}], we have [{string.Join(", ", actual)}]");
            foreach (var child in spec.Elements()) CompareXml(child, ours.Element(child.Name)!, $"{path}/{child.Name}");
            return;
        }
        Assert.False(ours.HasElements, $"{path} is a value in the spec but has elements here");
        CheckValue(name, spec.Value.Trim(), ours.Value, path);
    }

    private static void CheckValue(string name, string specValue, string value, string path)
    {
        if (value.Length == 0) return;  // "May not be returned": an empty element
        if (W3cDateTime.IsMatch(specValue)) Assert.True(W3cDateTime.IsMatch(value), $"{path} '{value}' is not a W3C date-time with an offset");
        else if (specValue is "true" or "false") Assert.True(value is "true" or "false", $"{path} '{value}' is not true/false");
        else if (name == "status") Assert.True(value is "open" or "closed", $"{path} '{value}' is not open/closed");
        else if (name == "type") Assert.True(value is "realtime" or "batch" or "blackbox", $"{path} '{value}' is not a service type");
        else if (name == "datatype")
            Assert.Contains(value, new[] { "string", "number", "datetime", "text", "singlevaluelist", "multivaluelist" });
        else if (Numbers.Contains(name) && double.TryParse(specValue, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            Assert.True(double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _), $"{path} '{value}' is not a number");
    }

    private static void AssertJsonShape(string specJson, JsonElement ours)
    {
        // The spec writes ids as 001, 006: not JSON. Quote them so the example parses.
        var fixedJson = Regex.Replace(specJson, @":\s*(0\d+)\s*([,}\n])", ":\"$1\"$2");
        CompareJson(JsonDocument.Parse(fixedJson).RootElement, ours, "$", null);
    }

    private static void CompareJson(JsonElement spec, JsonElement ours, string path, string? name)
    {
        switch (spec.ValueKind)
        {
            case JsonValueKind.Array:
                Assert.True(ours.ValueKind == JsonValueKind.Array, $"{path} is {ours.ValueKind}, the spec has an array");
                var item = spec[0];
                var i = 0;
                foreach (var element in ours.EnumerateArray()) CompareJson(item, element, $"{path}[{i++}]", name);
                return;
            case JsonValueKind.Object:
                Assert.True(ours.ValueKind == JsonValueKind.Object, $"{path} is {ours.ValueKind}, the spec has an object");
                var expected = spec.EnumerateObject().Select(p => p.Name).Order().ToList();
                var actual = ours.EnumerateObject().Select(p => p.Name).Order().ToList();
                Assert.True(expected.SequenceEqual(actual), $"{path}: the spec has [{string.Join(", ", expected)}], we have [{string.Join(", ", actual)}]");
                foreach (var p in spec.EnumerateObject()) CompareJson(p.Value, ours.GetProperty(p.Name), $"{path}.{p.Name}", p.Name);
                return;
        }
        // Spark convention: an empty value is null, never an empty string.
        Assert.False(ours.ValueKind == JsonValueKind.String && ours.GetString()!.Length == 0, $"{path} is \"\" where the spec writes null");
        if (ours.ValueKind == JsonValueKind.Null) return;
        Assert.False(ours.ValueKind is JsonValueKind.Array or JsonValueKind.Object, $"{path} is {ours.ValueKind}, the spec has a value");
        switch (spec.ValueKind)
        {
            case JsonValueKind.True or JsonValueKind.False:
                Assert.True(ours.ValueKind is JsonValueKind.True or JsonValueKind.False, $"{path} is {ours.ValueKind}, the spec has true/false");
                break;
            case JsonValueKind.Number:
                Assert.True(ours.ValueKind == JsonValueKind.Number || Ids.Contains(name!) && ours.ValueKind == JsonValueKind.String,
                    $"{path} is {ours.ValueKind}, the spec has a number");
                break;
            case JsonValueKind.String:
                Assert.True(ours.ValueKind == JsonValueKind.String, $"{path} is {ours.ValueKind}, the spec has a string");
                CheckValue(name!, spec.GetString()!, ours.GetString()!, path);
                break;
        }
    }
}
