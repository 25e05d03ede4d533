using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ServiceDesk.Core.Persistence.Migrations.PostgreSql
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
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "RetiredAt",
                table: "KnowledgeArticles",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Version",
                table: "KnowledgeArticles",
                type: "integer",
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
