using System.Runtime.CompilerServices;
using System.Text;

namespace ServiceDesk.Channels.Email;

/// <summary>
/// .NET knows only UTF-*, ASCII and Latin-1 by itself; mail still comes in windows-1252, ISO-2022-JP, GB2312…
/// The code pages are registered when this assembly loads, before MimeKit decodes any mail: MimeKit looks
/// charsets up once and remembers the answer.
/// </summary>
internal static class MailEncodings
{
#pragma warning disable CA2255 // A library on purpose: the registration must precede MimeKit's first use, wherever that is.
    [ModuleInitializer]
    internal static void Register() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
#pragma warning restore CA2255
}
