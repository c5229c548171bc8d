using Engine.Backends.OpenCL;
using Engine.Memory;

namespace Engine.Layers;

/// <summary>
/// im2col / col2im on an OpenCL device for Convolution, Deconvolution and Im2col (kernels of ConvolutionLayer.cl).
/// 2-D geometries use the 2-D kernels; 1-D and 3-D run the 3-D kernels (1-D as a 1×1×W volume). More than three
/// spatial axes have no device kernels (<see cref="Supports"/> is false and the layers stay on the host).
/// </summary>
internal sealed class DeviceImageColumns
{
    private const string File = "ConvolutionLayer.cl";

    private readonly OpenCLKernel _im2col2d;
    private readonly OpenCLKernel _col2im2d;
    private readonly OpenCLKernel _im2col3d;
    private readonly OpenCLKernel _col2im3d;

    public DeviceImageColumns(OpenCLBackend cl)
    {
        System.Reflection.Assembly assembly = typeof(DeviceImageColumns).Assembly;
        _im2col2d = cl.Kernel(assembly, File, "im2col_2d");
        _col2im2d = cl.Kernel(assembly, File, "col2im_2d");
        _im2col3d = cl.Kernel(assembly, File, "im2col_3d");
        _col2im3d = cl.Kernel(assembly, File, "col2im_3d");
    }

    /// <summary>Whether the device kernels cover <paramref name="geometry"/> (1 to 3 spatial axes).</summary>
    public static bool Supports(ConvolutionGeometry geometry) => geometry.NumSpatialAxes is >= 1 and <= 3;

    /// <summary>columns[offColumns..] = im2col of the image at image[offImage..] (channels × imageShape).</summary>
    public void Im2Col(ConvolutionGeometry g, int channels, ReadOnlySpan<int> imageShape, ReadOnlySpan<int> columnShape,
        IDeviceMemory image, int offImage, IDeviceMemory columns, int offColumns)
    {
        long total = (long)channels * g.KernelCount * Product(columnShape);
        if (g.NumSpatialAxes == 2)
        {
            Set2D(_im2col2d, g, channels, imageShape, columnShape).Arg(13, image).Arg(14, offImage).Arg(15, columns).Arg(16, offColumns).Launch(total);
        }
        else
        {
            Set3D(_im2col3d, g, channels, imageShape, columnShape).Arg(19, image).Arg(20, offImage).Arg(21, columns).Arg(22, offColumns).Launch(total);
        }
    }

    /// <summary>image[offImage..] = col2im of columns[offColumns..] (overwrites the image).</summary>
    public void Col2Im(ConvolutionGeometry g, int channels, ReadOnlySpan<int> imageShape, ReadOnlySpan<int> columnShape,
        IDeviceMemory columns, int offColumns, IDeviceMemory image, int offImage)
    {
        long total = (long)channels * Product(imageShape);
        if (g.NumSpatialAxes == 2)
        {
            Set2D(_col2im2d, g, channels, imageShape, columnShape).Arg(13, columns).Arg(14, image).Arg(15, offImage).Arg(16, offColumns).Launch(total);
        }
        else
        {
            Set3D(_col2im3d, g, channels, imageShape, columnShape).Arg(19, columns).Arg(20, image).Arg(21, offImage).Arg(22, offColumns).Launch(total);
        }
    }

    private static OpenCLKernel Set2D(OpenCLKernel k, ConvolutionGeometry g, int channels, ReadOnlySpan<int> image, ReadOnlySpan<int> columns)
        => k.Arg(0, channels).Arg(1, image[0]).Arg(2, image[1]).Arg(3, g.Kernel[0]).Arg(4, g.Kernel[1]).Arg(5, g.Pad[0]).Arg(6, g.Pad[1])
            .Arg(7, g.Stride[0]).Arg(8, g.Stride[1]).Arg(9, g.Dilation[0]).Arg(10, g.Dilation[1]).Arg(11, columns[0]).Arg(12, columns[1]);

    /// <summary>Sets the 3-D geometry; fewer axes are right-aligned (leading axes of size 1, kernel 1, stride 1, pad 0).</summary>
    private static OpenCLKernel Set3D(OpenCLKernel k, ConvolutionGeometry g, int channels, ReadOnlySpan<int> image, ReadOnlySpan<int> columns)
    {
        k.Arg(0, channels);
        int lead = 3 - g.NumSpatialAxes;
        for (uint a = 0; a < 3; a++)
        {
            int i = (int)a - lead;
            bool real = i >= 0;
            k.Arg(1 + a, real ? image[i] : 1)
                .Arg(4 + a, real ? g.Kernel[i] : 1)
                .Arg(7 + a, real ? g.Pad[i] : 0)
                .Arg(10 + a, real ? g.Stride[i] : 1)
                .Arg(13 + a, real ? g.Dilation[i] : 1)
                .Arg(16 + a, real ? columns[i] : 1);
        }
        return k;
    }

    private static int Product(ReadOnlySpan<int> dims)
    {
        int p = 1;
        foreach (int d in dims)
        {
            p *= d;
        }
        return p;
    }
}
