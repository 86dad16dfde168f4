using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Grid.Domain.People;
using Grid.Server.Photos;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Photos;

public static class PhotoClient
{
    public static async Task<HttpResponseMessage> UploadAsync(this TestUser user, byte[] photo, byte[]? thumb = null, string declaredType = "image/jpeg")
    {
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(photo);
        part.Headers.ContentType = new MediaTypeHeaderValue(declaredType);
        form.Add(part, "photo", "photo.jpg");
        if (thumb is not null)
        {
            var t = new ByteArrayContent(thumb);
            t.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(t, "thumb", "thumb.jpg");
        }
        return await user.Client.PostAsync("/api/photos", form);
    }

    public static async Task<PhotoUploaded> UploadOkAsync(this TestUser user, byte[] photo, byte[]? thumb = null) =>
        await TestWorld.ReadAsync<PhotoUploaded>(await user.UploadAsync(photo, thumb), HttpStatusCode.Created);
}

public sealed class PhotoTests
{
    [Fact]
    public async Task A_file_that_is_not_an_image_is_refused_whatever_its_declared_type()
    {
        var world = await TestWorld.CreateAsync(await TestServer.SharedAsync());
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var response = await worker.UploadAsync("<html><script>alert(1)</script></html>"u8.ToArray(), declaredType: "image/jpeg");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("not a JPEG, PNG or WebP", await response.Content.ReadAsStringAsync());

        var damaged = await worker.UploadAsync(TestImages.Jpeg()[..30]);
        Assert.Equal(HttpStatusCode.BadRequest, damaged.StatusCode);
    }

    [Fact]
    public async Task Photos_over_the_size_limit_are_refused_with_413()
    {
        var world = await TestWorld.CreateAsync(await TestServer.SharedAsync());
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var jpeg = TestImages.Jpeg(withExif: false);
        var big = new byte[4 * 1024 * 1024 + 10];
        jpeg.AsSpan(0, jpeg.Length - 2).CopyTo(big);
        var response = await worker.UploadAsync(big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);

        var bigThumb = await worker.UploadAsync(jpeg, new byte[300 * 1024]);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, bigThumb.StatusCode);
    }

    [Fact]
    public async Task The_same_bytes_uploaded_twice_are_one_stored_photo()
    {
        var world = await TestWorld.CreateAsync(await TestServer.SharedAsync());
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var bytes = TestImages.Jpeg(salt: Guid.NewGuid().ToString());
        var first = await worker.UploadOkAsync(bytes, TestImages.Jpeg(withExif: false, salt: "thumb" + Guid.NewGuid()));
        var second = await worker.UploadOkAsync(bytes);
        Assert.Equal(first.Sha256, second.Sha256);
        Assert.Equal("photo:" + first.Sha256, first.Ref);
        Assert.True(first.HadMetadata);
        Assert.NotNull(second.ThumbUrl);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), first.Sha256);
    }

    [Fact]
    public async Task A_photo_is_served_only_with_a_visible_case_and_without_gps_to_others()
    {
        var world = await TestWorld.CreateAsync(await TestServer.SharedAsync());
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var head = await world.PersonAsync(Role.GridHead, world.Cells[0]);
        var stranger = await world.PersonAsync(Role.GridWorker, world.Cells[1]);
        var bytes = TestImages.Jpeg(salt: Guid.NewGuid().ToString());
        var photo = await worker.UploadOkAsync(bytes, TestImages.Jpeg(salt: "t" + Guid.NewGuid()));

        // Not yet cited by any case: only its uploader sees it.
        Assert.Equal(HttpStatusCode.Forbidden, (await head.Client.GetAsync(photo.Url)).StatusCode);

        var c = await world.ReportAsync(worker, 0);
        var attach = new HttpRequestMessage(HttpMethod.Post, $"/api/field/cases/{c.Id}/photos") { Content = JsonContent.Create(new { photos = new[] { photo.Ref } }) };
        attach.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.OK, (await worker.Client.SendAsync(attach)).StatusCode);

        var own = await worker.Client.GetByteArrayAsync(photo.Url);
        Assert.Equal(bytes, own);   // the original, EXIF and all, back to its uploader

        var seen = await head.Client.GetAsync(photo.Url);
        Assert.Equal(HttpStatusCode.OK, seen.StatusCode);
        Assert.Equal("image/jpeg", seen.Content.Headers.ContentType!.MediaType);
        var served = await seen.Content.ReadAsByteArrayAsync();
        Assert.False(TestImages.Contains(served, TestImages.GpsMarker));
        Assert.Equal(bytes.Length - (TestImages.GpsMarker.Length + 14), served.Length);
        var thumb = await head.Client.GetByteArrayAsync(photo.ThumbUrl);
        Assert.False(TestImages.Contains(thumb, TestImages.GpsMarker));

        var refused = await stranger.Client.GetAsync(photo.Url);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.Client.GetAsync(photo.ThumbUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Server.Anonymous().GetAsync(photo.Url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await head.Client.GetAsync("/api/photos/" + new string('0', 64))).StatusCode);
    }

    [Fact]
    public async Task Evidence_photos_of_a_step_are_served_to_whoever_sees_the_case()
    {
        var world = await TestWorld.CreateAsync(await TestServer.SharedAsync());
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[2]);
        var op = await world.PersonAsync([Role.Operator], []);
        var inspector = await world.PersonAsync(Role.Inspector, world.Cells[2]);
        var c = await world.ReportAsync(worker, 2);
        await op.StepOkAsync(c.Id, "register");
        await op.StepOkAsync(c.Id, "dispatch");
        await worker.StepOkAsync(c.Id, "accept");
        var after = await worker.UploadOkAsync(TestImages.Png());
        await worker.StepOkAsync(c.Id, "feedback", new { note = "Cleaned", evidence = new[] { after.Ref } });
        var served = await inspector.Client.GetByteArrayAsync(after.Url);
        Assert.Equal(TestImages.Png(withExif: false), served);
    }

    [Fact]
    public async Task A_step_cannot_cite_a_photo_someone_else_uploaded()
    {
        var world = await TestWorld.CreateAsync(await TestServer.SharedAsync());
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[1]);
        var stranger = await world.PersonAsync(Role.GridWorker, world.Cells[4]);
        var op = await world.PersonAsync([Role.Operator], []);
        var c = await world.ReportAsync(worker, 1);
        await op.StepOkAsync(c.Id, "register");
        await op.StepOkAsync(c.Id, "dispatch");
        await worker.StepOkAsync(c.Id, "accept");
        var theirs = await stranger.UploadOkAsync(TestImages.Jpeg(salt: "stranger"));
        var refused = await worker.StepAsync(c.Id, "feedback", new { note = "Cleaned", evidence = new[] { theirs.Ref } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("not uploaded by you", await refused.Content.ReadAsStringAsync());
        Assert.Equal("in_progress", (await worker.GetCaseAsync(c.Id)).State);
    }

    [Fact]
    public async Task A_case_note_carries_at_most_six_photos_and_only_ones_own()
    {
        var world = await TestWorld.CreateAsync(await TestServer.SharedAsync());
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var other = await world.PersonAsync(Role.Patroller, world.Cells[0]);
        var c = await world.ReportAsync(worker, 0);
        var refs = new List<string>();
        for (var i = 0; i < 7; i++) refs.Add((await worker.UploadOkAsync(TestImages.Jpeg(salt: Guid.NewGuid().ToString()))).Ref);

        var tooMany = new HttpRequestMessage(HttpMethod.Post, $"/api/field/cases/{c.Id}/support") { Content = JsonContent.Create(new { note = "same", photos = refs }) };
        tooMany.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var response = await other.Client.SendAsync(tooMany);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 6", await response.Content.ReadAsStringAsync());

        var notMine = new HttpRequestMessage(HttpMethod.Post, $"/api/field/cases/{c.Id}/support") { Content = JsonContent.Create(new { note = "same", photos = refs.Take(2) }) };
        notMine.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await other.Client.SendAsync(notMine)).StatusCode);
    }
}
