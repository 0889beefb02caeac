"""The staff sidebar: the H5 page WeCom opens beside a chat."""
