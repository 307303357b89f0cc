using SecAgg.Aggregator.Cluster.Hosting;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Aggregator.Cluster.Tests.Embedded;

/// <summary>The node's --layout: tensors in order as name:shape.</summary>
public sealed class LayoutTextTests
{
    [Fact]
    public void ALayoutOfNamedShapesParsesInOrder()
    {
        TensorLayout layout = LayoutText.Parse("dense.weight:784x10, dense.bias:10");
        Assert.Equal(["dense.weight", "dense.bias"], layout.Tensors.Select(t => t.Name));
        Assert.Equal([784, 10], layout.Tensors[0].Shape);
        Assert.Equal(7850, layout.TotalLength);
    }

    [Theory]
    [InlineData("weight", "'weight' is not name:shape")]
    [InlineData("weight:0", "'weight:0' is not name:shape")]
    [InlineData("weight:3xa", "'weight:3xa' is not name:shape")]
    [InlineData(":10", "':10' is not name:shape")]
    [InlineData(" , ", "--layout is empty")]
    public void AMalformedLayoutIsRefusedSayingWhatAValidOneLooksLike(string text, string expected)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => LayoutText.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("dense.weight:784x10,dense.bias:10", e.Message, StringComparison.Ordinal);
    }
}
