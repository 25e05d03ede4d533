using Microsoft.EntityFrameworkCore;
using ServiceDesk.Core.Persistence;

namespace ServiceDesk.Core.Catalogue;

/// <summary>A starting service catalogue for a new desk; agents and admins change it afterwards.</summary>
public static class CatalogueSeeder
{
    public static async Task SeedAsync(ServiceDeskDbContext db, CancellationToken cancellationToken)
    {
        if (await db.Services.AnyAsync(cancellationToken))
        {
            return;
        }

        var desk = new AssignmentGroup { Name = "Service Desk", Tier = SupportTier.L1 };
        var network = new AssignmentGroup { Name = "Network", Tier = SupportTier.L2 };
        var workplace = new AssignmentGroup { Name = "Workplace", Tier = SupportTier.L2 };
        var collaboration = new AssignmentGroup { Name = "Collaboration", Tier = SupportTier.L2 };
        var hardwareVendor = new Supplier { Name = "Laptop vendor (on-site warranty)", ContactEmail = null };

        db.Services.AddRange(
            new Service { Code = "general", NameEn = "General IT help", NameEs = "Ayuda informática general", AssignmentGroup = desk },
            new Service { Code = "email", NameEn = "Email", NameEs = "Correo electrónico", AssignmentGroup = collaboration },
            new Service { Code = "teams", NameEn = "Teams and meetings", NameEs = "Teams y reuniones", AssignmentGroup = collaboration },
            new Service { Code = "vpn", NameEn = "VPN and remote access", NameEs = "VPN y acceso remoto", AssignmentGroup = network },
            new Service { Code = "wifi", NameEn = "Office Wi-Fi and network", NameEs = "Wi-Fi y red de la oficina", AssignmentGroup = network },
            new Service { Code = "account", NameEn = "Account and password", NameEs = "Cuenta y contraseña", AssignmentGroup = desk },
            new Service
            {
                Code = "laptop",
                NameEn = "Laptop and peripherals",
                NameEs = "Portátil y periféricos",
                AssignmentGroup = workplace,
                Supplier = hardwareVendor,
                UnderpinningResolutionTarget = TimeSpan.FromHours(16),
            });
        await db.SaveChangesAsync(cancellationToken);
    }
}
