"""客服值班机器人: a Telegram bot for an e-commerce customer-service team."""
