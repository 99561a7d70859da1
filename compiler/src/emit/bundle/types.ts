/**
 * The checker's field types seen through references: `Order.customer` typed `Customer.id`
 * has `Customer.id`'s type, however long the chain.
 */
import type { FieldType } from "@paybill/lang";

export function baseType(type: FieldType): FieldType {
  let current = type;
  while (current.kind === "reference") current = current.target;
  return current;
}
