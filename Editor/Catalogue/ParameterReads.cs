using System.Reflection;
using System.Reflection.Emit;
using Engine.Proto;
using Google.Protobuf.Reflection;

namespace Engine.Editor.Catalogue;

/// <summary>
/// Finds which <c>*_param</c> messages of <see cref="LayerParameter"/> a layer class reads, by scanning the IL of its
/// methods (and, transitively, of the methods it calls in its own assembly: base classes, helpers, lambdas) for calls
/// to the generated property getters. This needs no table to keep in step with the layers.
/// </summary>
internal static class ParameterReads
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private static readonly Dictionary<MethodInfo, FieldDescriptor> Getters = LayerParameter.Descriptor.Fields.InFieldNumberOrder()
        .Where(f => f.FieldType == FieldType.Message && !f.IsRepeated && f.Name.EndsWith("_param", StringComparison.Ordinal))
        .Select(f => (Field: f, Getter: typeof(LayerParameter).GetProperty(f.PropertyName)?.GetMethod))
        .Where(x => x.Getter is not null)
        .ToDictionary(x => x.Getter!, x => x.Field);

    /// <summary>The <c>*_param</c> fields <paramref name="layerClass"/> reads, the one named after <paramref name="type"/> first.</summary>
    public static IReadOnlyList<FieldDescriptor> Of(Type layerClass, string type)
    {
        var found = new HashSet<FieldDescriptor>();
        var seen = new HashSet<MethodBase>();
        var pending = new Stack<MethodBase>(MethodsOf(layerClass).Concat(InheritedOverrides(layerClass)));
        while (pending.Count > 0)
        {
            MethodBase method = pending.Pop();
            if (!seen.Add(method))
            {
                continue;
            }
            foreach (MethodBase callee in Callees(method))
            {
                if (callee is MethodInfo getter && Getters.TryGetValue(getter, out FieldDescriptor? field))
                {
                    found.Add(field);
                }
                else if (callee.Module.Assembly == layerClass.Assembly && !seen.Contains(callee))
                {
                    pending.Push(callee);
                }
            }
        }
        return found
            .OrderBy(f => string.Equals(f.MessageType.Name, type + "Parameter", StringComparison.OrdinalIgnoreCase) ? 0 : 1)
            .ThenBy(f => f.FieldNumber)
            .ToArray();
    }

    /// <summary>
    /// Virtual methods the class inherits from base classes in its own assembly without overriding them (a shared
    /// base's LayerSetUp, say): the framework calls them, so what they read counts. Non-virtual base helpers count
    /// only when called.
    /// </summary>
    private static IEnumerable<MethodBase> InheritedOverrides(Type type)
        => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .Where(m => m.IsVirtual && m.DeclaringType != type && m.DeclaringType?.Assembly == type.Assembly);

    private static IEnumerable<MethodBase> MethodsOf(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (MethodBase m in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            yield return m;
        }
        foreach (Type nested in type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic))
        {
            foreach (MethodBase m in MethodsOf(nested))
            {
                yield return m;
            }
        }
    }

    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (InvalidOperationException)
        {
            il = null;
        }
        if (il is null)
        {
            yield break;
        }
        Type[]? typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int i = 0;
        while (i < il.Length)
        {
            short value = il[i] == 0xFE && i + 1 < il.Length ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            if (!OpCodesByValue.TryGetValue(value, out OpCode op))
            {
                yield break;
            }
            if (op.OperandType == OperandType.InlineMethod && i + 4 <= il.Length)
            {
                MethodBase? callee = Resolve(method.Module, BitConverter.ToInt32(il, i), typeArgs, methodArgs);
                if (callee is not null)
                {
                    yield return callee;
                }
            }
            i += OperandSize(op.OperandType, il, i);
        }
    }

    private static MethodBase? Resolve(Module module, int token, Type[]? typeArgs, Type[]? methodArgs)
    {
        try
        {
            return module.ResolveMethod(token, typeArgs, methodArgs);
        }
        catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or MissingMethodException)
        {
            return null;
        }
    }

    private static int OperandSize(OperandType type, byte[] il, int at) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => at + 4 <= il.Length ? 4 + 4 * BitConverter.ToInt32(il, at) : il.Length,
        _ => 4,
    };
}
