// A small module whose function throws: the incident must land on the `throw` line.
export function chargeCustomer(customer, amount) {
  const total = amount * 1.2;
  if (!customer.card) {
    throw new Error(`card missing for ${customer.name}`);
  }
  return total;
}
