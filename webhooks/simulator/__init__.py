"""Try the bot without Meta: webhook bodies shaped as Meta sends them, signed here.

`payloads` builds the bodies (inbound messages of each sample kind, delivery statuses);
`views` is the staff page that has the browser post them to the real webhook endpoint, so
everything after the signature check is the production path.
"""
