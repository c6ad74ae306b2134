"""The database: tables, the Store, migrations, leases between instances, retention and forgetting
a client."""
