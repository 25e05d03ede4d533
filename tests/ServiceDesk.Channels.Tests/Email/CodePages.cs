using System.Runtime.CompilerServices;
using System.Text;

namespace ServiceDesk.Channels.Tests.Email;

/// <summary>
/// Tests build MIME with MimeKit before they touch the channel (whose assembly registers the code pages when it
/// loads); MimeKit settles which charsets exist on first use, so the test assembly registers them first too.
/// </summary>
internal static class CodePages
{
#pragma warning disable CA2255 // The registration must precede MimeKit's first use in this test process.
    [ModuleInitializer]
    internal static void Register() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
#pragma warning restore CA2255
}
