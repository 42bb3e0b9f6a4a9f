import { chargeCustomer } from "./billing.js";

export function checkout(cart) {
  const customer = { name: cart.owner, card: null };
  return chargeCustomer(customer, cart.amount);
}
