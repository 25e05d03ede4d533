using ServiceDesk.Channels.Email.Parsing;

namespace ServiceDesk.Channels.Tests.Email;

/// <summary>What the trimmer keeps: everything the person wrote, nothing of the quote or the signature.</summary>
public sealed class ReplyTrimmerTests
{
    [Theory]
    [InlineData("La impresora no imprime.\nGracias\n¿Podéis mirarlo hoy? Es urgente.")]
    [InlineData("The VPN drops every hour.\n\nThanks\n\nP.S. It also happens on the guest wifi.")]
    [InlineData("No arranca el portátil.\nGracias,\nP.D. El cargador tampoco funciona")]
    [InlineData("Outlook crashes on start.\n\nThanks\nIt started after this morning's update and happens on both laptops of the team")]
    [InlineData("Todo bien hasta ayer.\nSaludos\nEl servidor devuelve error 500 desde las 9.")]
    public void Words_after_a_closing_that_are_not_a_signature_are_kept(string text)
    {
        Assert.Equal(text, ReplyTrimmer.Trim(text));
    }

    [Fact]
    public void A_pasted_log_with_from_and_date_lines_is_kept()
    {
        const string text = "The nightly backup fails. Here is what it mailed:\nFrom: scheduler@srv1.example.org\nDate: 2026-11-16 02:00:01\nJob: backup-db\nResult: ERROR disk full\n\nCan you free some space?";

        Assert.Equal(text, ReplyTrimmer.Trim(text));
    }

    [Fact]
    public void From_and_date_in_their_own_paragraph_without_to_or_subject_are_kept()
    {
        const string text = "Log of the failed run:\n\nFrom: cron@srv1.example.org\nDate: Mon, 16 Nov 2026 02:00:01\nExit code: 3\nmount: /backup: no space left";

        Assert.Equal(text, ReplyTrimmer.Trim(text));
    }

    [Fact]
    public void A_header_block_without_a_blank_line_above_is_not_a_quote()
    {
        const string text = "This is what the printer mailed us:\nFrom: printer3@example.org\nSent: Monday 09:00\nTo: it@example.org\nSubject: Toner low\nToner at 2%.";

        Assert.Equal(text, ReplyTrimmer.Trim(text));
    }

    [Theory]
    [InlineData("No arranca el portátil.\n\nSaludos,\nAna Pérez\nFinanzas · ext. 4412\n+34 600 123 456", "No arranca el portátil.")]
    [InlineData("The printer jams.\nThanks!", "The printer jams.")]
    [InlineData("The printer jams.\n\nKind regards,\nTom Baker\nIT Operations | ACME\nwww.example.com", "The printer jams.")]
    [InlineData("Done, thanks.\n\nFrom: Service Desk <desk@example.com>\nSent: Monday, 16 November 2026 09:40\nTo: Tom <tom@example.net>\nSubject: [SD-1] VPN\n\nPlease try again.", "Done, thanks.")]
    [InlineData("Ya funciona.\n-----\nDe: Mesa de Servicio <desk@example.com>\nEnviado: lunes, 16 de noviembre de 2026 9:40\nPara: Ana\nAsunto: [SD-2] Impresora\nReiniciamos la cola.", "Ya funciona.")]
    [InlineData("Sigue igual.\n\nEl lun, 16 nov 2026 a las 10:00, Mesa <desk@example.com> escribió:\n> Reiniciamos la cola.", "Sigue igual.")]
    [InlineData("It works now.\n\nSent from my iPhone", "It works now.")]
    public void Quotes_and_signatures_are_still_cut(string text, string expected)
    {
        Assert.Equal(expected, ReplyTrimmer.Trim(text));
    }
}
