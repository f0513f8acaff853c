using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Formats.Tests.Model;

public sealed class IdentityMemoTests
{
    [Fact]
    public void A_string_instance_is_computed_once_and_an_equal_copy_again()
    {
        var memo = new IdentityMemo<string>(capacity: 8);
        int calls = 0;
        string Compute(string s) { calls++; return s.ToUpperInvariant(); }
        string name = "cart::AddItem";
        string copy = new(name.AsSpan());

        Assert.Equal("CART::ADDITEM", memo.Get(name, Compute));
        Assert.Equal("CART::ADDITEM", memo.Get(name, Compute));
        Assert.Equal(1, calls);
        Assert.Equal("CART::ADDITEM", memo.Get(copy, Compute));
        Assert.Equal(2, calls);
    }

    [Fact]
    public void A_full_memo_is_cleared_before_it_takes_a_new_value()
    {
        var memo = new IdentityMemo<int>(capacity: 3);
        int calls = 0;
        int Compute(string s) { calls++; return s.Length; }
        string[] names = ["a", "bb", "ccc", "dddd"];
        foreach (string n in names[..3]) memo.Get(n, Compute);
        Assert.Equal(3, memo.Count);

        Assert.Equal(4, memo.Get(names[3], Compute)); // the fourth clears the three
        Assert.Equal(1, memo.Count);
        Assert.Equal(1, memo.Get(names[0], Compute)); // computed again
        Assert.Equal(5, calls);
    }
}
