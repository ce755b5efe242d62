"""The demo shop's catalogue: what the seeded orders contain and the sample KB describes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Product:
    """A product the demo shop sells."""

    sku: str
    name: str
    category: str
    requires_setup: bool
    price: float

    def line_item(self) -> dict[str, object]:
        """One of this product, as an item of an order line in the import format."""
        return {
            "sku": self.sku,
            "name": self.name,
            "category": self.category,
            "quantity": 1,
            "requires_setup": self.requires_setup,
        }


CATALOGUE: tuple[Product, ...] = (
    Product("ES-900", "Barista Pro Espresso Machine", "kitchen-appliance", True, 549.0),
    Product("KT-200", "Kettle Pro 200", "kitchen-appliance", True, 89.0),
    Product("BL-300", "PowerBlend 300 Blender", "kitchen-appliance", False, 129.0),
    Product("VC-800", "RoboClean 800 Robot Vacuum", "home-appliance", True, 399.0),
    Product("TH-100", "HomeSense Smart Thermostat", "smart-home", True, 199.0),
    Product("CM-20", "SecureView Indoor Camera", "smart-home", True, 79.0),
    Product("RT-600", "MeshLink Wi-Fi 6 Router", "networking", True, 249.0),
    Product("SP-10", "AuraSound Smart Speaker", "audio", True, 99.0),
    Product("HP-70", "QuietTone Noise-Cancelling Headphones", "audio", False, 229.0),
    Product("SD-140", "LiftDesk Standing Desk 140", "furniture", True, 649.0),
    Product("CH-50", "ErgoSeat Office Chair", "furniture", True, 319.0),
    Product("TS-01", "Organic Cotton T-Shirt", "apparel", False, 29.0),
    Product("JK-22", "TrailShell Rain Jacket", "apparel", False, 159.0),
    Product("SN-42", "CloudRun Running Shoes", "footwear", False, 139.0),
    Product("MG-12", "Stoneware Mug Set of 4", "homeware", False, 45.0),
    Product("LP-05", "Linen Pillow Cover", "homeware", False, 25.0),
    Product("CB-30", "USB-C Charging Cable 2m", "electronics-accessory", False, 19.0),
    Product("BK-88", "The Home Barista Book", "books", False, 35.0),
    Product("GC-50", "Gift Card 50", "gift-card", False, 50.0),
)
