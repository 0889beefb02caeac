"""Corp sync: import and reconcile what WeCom already knows (staff, tags, customers, groups)."""

# arq job names, here so handlers can enqueue a refresh without importing the bot package.
