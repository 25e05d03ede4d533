using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ServiceDesk.Core.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SlaEscalation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "FirstResponseWarningAt",
                table: "Tickets",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ResolutionWarningAt",
                table: "Tickets",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Email",
                table: "AssignmentGroups",
                type: "TEXT",
                maxLength: 320,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Tickets_Status_FirstResponseWarningAt",
                table: "Tickets",
                columns: new[] { "Status", "FirstResponseWarningAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Tickets_Status_ResolutionWarningAt",
                table: "Tickets",
                columns: new[] { "Status", "ResolutionWarningAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Tickets_Status_FirstResponseWarningAt",
                table: "Tickets");

            migrationBuilder.DropIndex(
                name: "IX_Tickets_Status_ResolutionWarningAt",
                table: "Tickets");

            migrationBuilder.DropColumn(
                name: "FirstResponseWarningAt",
                table: "Tickets");

            migrationBuilder.DropColumn(
                name: "ResolutionWarningAt",
                table: "Tickets");

            migrationBuilder.DropColumn(
                name: "Email",
                table: "AssignmentGroups");
        }
    }
}
