using Grid.Server.Citizens;

namespace Grid.Server.Tests.Citizens;

/// <summary>
/// What other citizens read of a report's free text: a phone or ID number typed into it is masked; dates, house
/// numbers and codes with digits inside them (a device id, a block's hex code) stay as written.
/// </summary>
public sealed class PhoneMaskTests
{
    [Theory]
    [InlineData("call me on 138 0000 1111", "call me on ***")]
    [InlineData("电话13800001111，谢谢", "电话***，谢谢")]
    [InlineData("+86 138-0000-1111", "***")]
    [InlineData("身份证 320213199001011234", "身份证 ***")]
    [InlineData("Broken since 2026-11-20 at No. 12", "Broken since 2026-11-20 at No. 12")]
    [InlineData("Broken gate of block 66db138b57334252be2dd6b3081e7a14", "Broken gate of block 66db138b57334252be2dd6b3081e7a14")]
    [InlineData("sensor JW1234567 alarm", "sensor JW1234567 alarm")]
    [InlineData("井盖 123456 号", "井盖 123456 号")]
    public void A_number_of_seven_or_more_digits_standing_alone_is_masked_and_nothing_else(string text, string shown) =>
        Assert.Equal(shown, CitizenEndpoints.MaskPhones(text));
}
