using System.Runtime.InteropServices;
using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Traffic;

/// <summary>
/// Up to <see cref="Capacity"/> equal-size messages in native memory, laid out for one <c>sendmmsg()</c> call
/// (optionally each addressed to the same destination, for unconnected sockets).
/// </summary>
internal sealed unsafe class MessageBatch : IDisposable
{
    private readonly int _size;
    private byte* _data;
    private IoVec* _iov;
    private MMsgHdr* _messages;
    private Native.SockAddrIn* _destination;

    /// <summary>Allocates <paramref name="capacity"/> messages of <paramref name="size"/> bytes, zeroed.</summary>
    public MessageBatch(int capacity, int size, Native.SockAddrIn? destination = null)
    {
        Capacity = capacity;
        _size = size;
        _data = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * size));
        _iov = (IoVec*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(IoVec)));
        _messages = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(MMsgHdr)));
        if (destination is { } d)
        {
            _destination = (Native.SockAddrIn*)NativeMemory.Alloc((nuint)sizeof(Native.SockAddrIn));
            *_destination = d;
        }

        for (int i = 0; i < capacity; i++)
        {
            _iov[i].Base = _data + (i * size);
            _iov[i].Length = (nuint)size;
            _messages[i].Iov = &_iov[i];
            _messages[i].IovLength = 1;
            _messages[i].Name = _destination;
            _messages[i].NameLength = _destination is null ? 0u : (uint)sizeof(Native.SockAddrIn);
        }
    }

    /// <summary>Messages the batch holds.</summary>
    public int Capacity { get; }

    /// <summary>The bytes of message <paramref name="index"/>.</summary>
    public Span<byte> this[int index] => new(_data + (index * _size), _size);

    /// <summary>
    /// Sends the first <paramref name="count"/> messages on <paramref name="fd"/>, calling again after a partial
    /// send; a message a call refuses (ENOBUFS, an ICMP error queued on a connected socket) is counted and skipped.
    /// </summary>
    public (int Sent, int Errors) Send(int fd, int count)
    {
        int done = 0, sent = 0, errors = 0;
        while (done < count)
        {
            int r = Libc.SendMmsg(fd, _messages + done, (uint)(count - done), 0);
            if (r < 0)
            {
                errors++;
                done++;
            }
            else
            {
                sent += r;
                done += r;
            }
        }

        return (sent, errors);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        NativeMemory.Free(_destination);
        NativeMemory.Free(_messages);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_data);
        _destination = null;
        _messages = null;
        _iov = null;
        _data = null;
    }
}
