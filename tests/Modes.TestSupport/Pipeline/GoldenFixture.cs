using LoadBalancer.Modes.Packets;

namespace LoadBalancer.Modes.Tests.Pipeline;

/// <summary>A katran-style golden fixture: description, input bytes, expected verdict (+ reason) and expected output bytes.</summary>
/// <param name="Name">Short unique name (the test case name).</param>
/// <param name="Description">What the fixture checks.</param>
/// <param name="Prelude">Frames processed first (each must be transmitted), e.g. the SYN that creates the flow a reply belongs to.</param>
/// <param name="Input">The frame under test.</param>
/// <param name="Verdict">Expected verdict.</param>
/// <param name="Reason">Expected drop reason.</param>
/// <param name="Expected">Expected output frame (Tx only).</param>
/// <param name="Egress">Expected egress interface (Tx only).</param>
/// <param name="Headroom">Bytes of headroom before the frame in the buffer.</param>
public sealed record GoldenFixture(
    string Name, string Description, byte[][] Prelude, byte[] Input, Verdict Verdict, DropReason Reason,
    byte[]? Expected = null, int Egress = -1, int Headroom = 64);
