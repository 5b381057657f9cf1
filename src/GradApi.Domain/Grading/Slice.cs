using GradApi.Domain.Tensors;

namespace GradApi.Domain.Grading;

/// <summary>The part of a tensor an answer addresses, and whether a submitted shape may stand for it.</summary>
public static class Slice
{
    /// <summary>The block that element indices (a row, an element...) pick out: its shape and where it sits in the data.</summary>
    public static bool TryTake(Tensor tensor, int[] element, out int[] shape, out int offset, out int length)
    {
        shape = tensor.Shape;
        offset = 0;
        length = tensor.Length;
        if (element.Length == 0) return true;
        if (element.Length > tensor.Rank) return false;
        int stride = tensor.Length;
        for (int k = 0; k < element.Length; k++)
        {
            if (element[k] >= tensor.Shape[k]) return false;
            stride /= tensor.Shape[k];
            offset += element[k] * stride;
        }
        shape = tensor.Shape[element.Length..];
        length = stride;
        return true;
    }

    /// <summary>
    /// The submitted shape stands for the reference's: the same, the same without a leading axis of 1
    /// (the batch axis when B = 1), or a scalar for a one-element tensor. Row-major order is unchanged by each.
    /// </summary>
    public static bool Conforms(int[] reference, int[] submitted)
    {
        if (reference.AsSpan().SequenceEqual(submitted)) return true;
        if (reference.Length > 0 && reference[0] == 1 && reference.AsSpan(1).SequenceEqual(submitted)) return true;
        return submitted.Length == 0 && Tensor.ElementCount(reference) == 1;
    }

    /// <summary>The [columns][rows] transpose of a row-major [rows][columns] matrix: t[j][i] = m[i][j].</summary>
    public static double[] Transpose(ReadOnlySpan<double> matrix, int rows, int columns)
    {
        var transposed = new double[rows * columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) transposed[j * rows + i] = matrix[i * columns + j];
        return transposed;
    }

    public static string Describe(int[] shape) => shape.Length == 0 ? "a scalar" : "[" + string.Join("][", shape) + "]";
}
