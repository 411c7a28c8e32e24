"""Places: UK postcodes and the postcode-district centres used to locate people."""
