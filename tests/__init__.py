from hypothesis import settings

# The machine running the suite is shared (2 cores, a server beside the tests): a property
# is judged on what it finds, never on how long an example took.
settings.register_profile("lrs", deadline=None)
settings.load_profile("lrs")
