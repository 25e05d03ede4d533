using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ServiceDesk.Core.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class MailKb : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "AutomaticNoticesSuppressed",
                table: "Tickets",
                type: "bit",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "RetiredAt",
                table: "KnowledgeArticles",
                type: "datetimeoffset",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Version",
                table: "KnowledgeArticles",
                type: "int",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "AutomaticNoticesSuppressed",
                table: "Tickets");

            migrationBuilder.DropColumn(
                name: "RetiredAt",
                table: "KnowledgeArticles");

            migrationBuilder.DropColumn(
                name: "Version",
                table: "KnowledgeArticles");
        }
    }
}
