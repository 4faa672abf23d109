using LoadBalancer.Modes.Flows;

namespace LoadBalancer.Modes.Pipeline;

/// <summary>An immutable open-addressing set of non-zero <see cref="uint"/> values (VIPs, full-NAT addresses), read without allocation.</summary>
internal sealed class UIntSet
{
    private readonly uint[] _slots;
    private readonly int _mask;

    public UIntSet(IEnumerable<uint> values)
    {
        var distinct = new HashSet<uint>(values);
        distinct.Remove(0);
        int size = 8;
        while (size < distinct.Count * 2)
        {
            size *= 2;
        }

        _slots = new uint[size];
        _mask = size - 1;
        foreach (uint value in distinct)
        {
            int i = Index(value);
            while (_slots[i] != 0)
            {
                i = (i + 1) & _mask;
            }

            _slots[i] = value;
        }

        Count = distinct.Count;
    }

    public int Count { get; }

    public bool Contains(uint value)
    {
        if (value == 0)
        {
            return false;
        }

        int i = Index(value);
        while (true)
        {
            uint slot = _slots[i];
            if (slot == value)
            {
                return true;
            }

            if (slot == 0)
            {
                return false;
            }

            i = (i + 1) & _mask;
        }
    }

    private int Index(uint value) => (int)FlowHash.Mix(value) & _mask;
}
