"""Corp sync: import and reconcile what WeCom already knows (staff, tags, customers, groups)."""

# arq job names, here so handlers can enqueue a refresh without importing the bot package.
REFRESH_CUSTOMER = "sync_refresh_customer"
REFRESH_GROUP = "sync_refresh_group"
REFRESH_TAGS = "sync_refresh_tags"
CORP_SYNC = "corp_sync"
