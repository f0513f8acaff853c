using System.Text;
using StreamAnalytics.Formats.Decoding;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Formats.Tests.Decoding;

public class DecodeScratchTests
{
    [Fact]
    public void Cached_ids_always_name_the_same_string_even_when_names_collide()
    {
        var table = new StringTable();
        DecodeScratch scratch = DecodeScratch.For(table);
        // Far more names than cache slots, with shared prefixes and suffixes, interned repeatedly in a shuffled order.
        string[] names = Enumerable.Range(0, 5000).Select(i => $"svc.{i % 7}/Op{i}.{new string('x', i % 40)}").ToArray();
        var random = new Random(3);
        for (int round = 0; round < 5; round++)
        {
            foreach (int i in Enumerable.Range(0, names.Length).OrderBy(_ => random.Next()))
                Assert.Equal(names[i], table[scratch.Intern(Encoding.UTF8.GetBytes(names[i]))]);
        }
    }

    [Fact]
    public void A_thread_switching_tables_never_sees_ids_of_the_other_table()
    {
        var first = new StringTable();
        var second = new StringTable();
        second.Intern("padding so that ids differ");
        byte[] name = "checkout"u8.ToArray();

        int a = DecodeScratch.For(first).Intern(name);
        int b = DecodeScratch.For(second).Intern(name);
        int again = DecodeScratch.For(first).Intern(name);

        Assert.Equal("checkout", first[a]);
        Assert.Equal("checkout", second[b]);
        Assert.Equal(a, again);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Names_overflowing_a_full_table_are_counted_every_time()
    {
        var table = new StringTable(16);
        DecodeScratch scratch = DecodeScratch.For(table);
        for (int i = 0; i < 20; i++) scratch.Intern(Encoding.UTF8.GetBytes("name" + i));
        long before = table.OverflowCount;
        Assert.Equal(StringTable.Overflow, scratch.Intern("name19"u8));
        Assert.Equal(before + 1, table.OverflowCount);
    }
}
