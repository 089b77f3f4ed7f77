"""SMS to buyers through Kdniao's logistics SMS API (物流短信), signed like every Kdniao call."""
