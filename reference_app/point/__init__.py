"""The page of a pickup point's own staff: the parcels waiting there, handed to shoppers."""
