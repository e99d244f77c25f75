"""The demo catalogue: categories with realistic product names, price ranges, and which
categories people buy together (the signal a recommender should find)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Category:
    """A product category: name parts to combine, a typical price, whether people rebuy."""

    key: str
    items: tuple[str, ...]
    variants: tuple[str, ...]
    price: tuple[float, float]  # low, high (USD)
    rebuyable: bool
    affinity: tuple[str, ...]  # categories often bought in the same basket


CATEGORIES: tuple[Category, ...] = (
    Category("coffee", ("Espresso Beans", "Filter Coffee", "Cold Brew Pack", "Decaf Beans",
                        "Single-Origin Beans"),
             ("Ethiopia", "Colombia", "Brazil", "House Blend", "Dark Roast", "Guatemala"),
             (9, 28), True, ("kitchen", "tea")),
    Category("tea", ("Green Tea", "Oolong Tea", "Jasmine Tea", "Pu-erh Cake", "Earl Grey",
                     "Chamomile Tea"),
             ("Loose Leaf 100g", "20 Bags", "Gift Tin", "Organic 250g"),
             (6, 35), True, ("kitchen", "coffee")),
    Category("kitchen", ("Pour-Over Kettle", "Burr Grinder", "French Press", "Ceramic Mug",
                         "Milk Frother", "Chef's Knife", "Cast Iron Pan", "Bamboo Board"),
             ("Black", "Steel", "White", "Large", "Compact"),
             (12, 140), False, ("coffee", "tea", "home")),
    Category("electronics", ("Wireless Earbuds", "Bluetooth Speaker", "Smart Watch",
                             "E-Reader", "Action Camera", "Mechanical Keyboard"),
             ("Gen 2", "Pro", "Lite", "Max", "Mini"),
             (35, 320), False, ("accessories",)),
    Category("accessories", ("USB-C Cable", "Phone Case", "Screen Protector",
                             "Power Bank", "Charging Stand", "Laptop Sleeve"),
             ("1 m", "2 m", "Clear", "Black", "10000 mAh", "20000 mAh", "13 inch"),
             (8, 60), False, ("electronics",)),
    Category("home", ("Linen Duvet Cover", "Cotton Towel Set", "Scented Candle",
                      "Throw Blanket", "Desk Lamp", "Storage Basket"),
             ("Grey", "Sage", "Oat", "Navy", "Queen", "King"),
             (15, 120), False, ("kitchen", "beauty")),
    Category("beauty", ("Face Serum", "Sunscreen SPF50", "Hand Cream", "Shampoo Bar",
                        "Lip Balm", "Sheet Mask Pack"),
             ("30 ml", "50 ml", "Travel Size", "Sensitive", "Unscented"),
             (5, 48), True, ("home",)),
    Category("baby", ("Nappies", "Baby Wipes", "Feeding Bottle", "Muslin Squares",
                      "Teething Ring"),
             ("Size 2", "Size 3", "Size 4", "Pack of 3", "Pack of 6"),
             (6, 40), True, ("toys",)),
    Category("toys", ("Building Blocks", "Wooden Puzzle", "Plush Panda", "Stacking Rings",
                      "Picture Book", "Magnetic Tiles"),
             ("Starter Set", "Deluxe", "Age 1+", "Age 3+", "100 pcs"),
             (9, 75), False, ("baby",)),
    Category("pets", ("Dog Food", "Cat Litter", "Chew Toy", "Pet Bed", "Cat Treats"),
             ("2 kg", "10 kg", "Small", "Medium", "Salmon", "Chicken"),
             (5, 70), True, ("outdoor",)),
    Category("outdoor", ("Hiking Backpack", "Water Bottle", "Camping Lantern", "Rain Jacket",
                         "Trekking Poles"),
             ("25 L", "40 L", "750 ml", "Men's", "Women's"),
             (14, 180), False, ("pets", "accessories")),
    Category("stationery", ("Dot Grid Notebook", "Gel Pens", "Fountain Pen", "Desk Planner",
                            "Washi Tape"),
             ("A5", "A4", "Pack of 5", "Black", "Blue"),
             (4, 45), True, ("home",)),
)

CATEGORY_INDEX = {c.key: i for i, c in enumerate(CATEGORIES)}
