using Grid.Domain.Grid;

namespace Grid.Domain.Tests;

public class GridCodeTests
{
    [Fact]
    public void A_15_digit_code_splits_into_its_levels()
    {
        var code = GridCode.Parse("110101001002015");

        Assert.Equal("110101001002015", code.Value);
        Assert.Equal("110101", code.DistrictCode);
        Assert.Equal("110101001", code.StreetCode);
        Assert.Equal("110101001002", code.CommunityCode);
        Assert.Equal(15, code.Sequence);
        Assert.Equal("110101001002015", code.ToString());
    }

    [Fact]
    public void Surrounding_spaces_are_forgiven()
    {
        Assert.True(GridCode.TryParse(" 110101001002001 ", out var code, out _));
        Assert.Equal("110101001002001", code.Value);
    }

    [Fact]
    public void A_14_digit_code_is_refused_with_advice_to_pad()
    {
        Assert.False(GridCode.TryParse("11010100100201", out _, out var error));
        Assert.Equal("'11010100100201' is an older 14-digit code; pad the cell sequence to 3 digits.", error);
    }

    [Theory]
    [InlineData("11010100100201a", "'a'")]
    [InlineData("110101-01002001", "'-'")]
    [InlineData("１10101001002001", "'１'")]
    [InlineData("1101010010020011", "16 digits")]
    [InlineData("1101", "4 digits")]
    [InlineData("110101001002000", "000")]
    public void Invalid_codes_are_refused_with_an_error_that_quotes_them(string text, string hint)
    {
        Assert.False(GridCode.TryParse(text, out var code, out var error));
        Assert.Equal(default, code);
        Assert.Contains($"'{text}'", error);
        Assert.Contains(hint, error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_code_is_refused(string? text)
    {
        Assert.False(GridCode.TryParse(text, out _, out var error));
        Assert.Contains("empty", error);
    }

    [Fact]
    public void Parse_throws_a_format_error_with_the_message()
    {
        var ex = Assert.Throws<FormatException>(() => GridCode.Parse("110101001002000"));
        Assert.Contains("000", ex.Message);
    }

    [Fact]
    public void Constructing_an_invalid_code_directly_throws()
    {
        Assert.Throws<ArgumentException>(() => new GridCode("12345"));
    }

    [Fact]
    public void Codes_with_the_same_digits_are_equal()
    {
        Assert.Equal(GridCode.Parse("110101001002001"), new GridCode("110101001002001"));
    }
}
