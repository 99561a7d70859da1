/**
 * Names through the model's references side table: every name in the bundle is the name
 * of the declaration a reference resolved to, never the text written (`alias.close` and
 * `close` are the same action). Nothing here looks a name up by itself.
 */
import type { ActionSelector, Declared, Ident, Model, Namespace, QualifiedName } from "@paybill/lang";
import type { ActionSelector as BundleSelector } from "@paybill/runtime";
import { unexpected } from "./values.js";

export class Names {
  /**
   * `read Ticket.email` resolves `Ticket` as a name of its own (everything but the last
   * part); that name shares its identifiers with the selector, so the entity is found by
   * the identifier it ends with.
   */
  private readonly byLastPart = new Map<Ident, Declared>();

  constructor(private readonly model: Model) {
    for (const [node, declared] of model.references) {
      const last = node.kind === "QualifiedName" ? node.parts[node.parts.length - 1] : undefined;
      if (last !== undefined && declared.namespace === "entity") this.byLastPart.set(last, declared);
    }
  }

  /** The declaration a reference names; the checker resolved every one of a clean project. */
  declared(node: Ident | QualifiedName, namespace: Namespace): Declared {
    const found = this.model.references.get(node);
    if (found === undefined || found.namespace !== namespace) {
      const text = node.kind === "Ident" ? node.name : node.parts.map((p) => p.name).join(".");
      return unexpected(`the unresolved ${namespace} \`${text}\``);
    }
    return found;
  }

  name(node: Ident | QualifiedName, namespace: Namespace): string {
    return this.declared(node, namespace).name;
  }

  /** A rule's or a state's action selector, resolved. */
  selector(selector: ActionSelector): BundleSelector {
    switch (selector.kind) {
      case "AnyAction":
        return { kind: "any" };
      case "ActionRef":
        return { kind: "action", action: this.name(selector.action, "action") };
      case "DataAccess": {
        const whole = this.model.references.get(selector.target);
        if (whole !== undefined) return { kind: "data", op: selector.op, entity: this.name(selector.target, "entity") };
        const parts = selector.target.parts;
        const entityPart = parts[parts.length - 2];
        const field = parts[parts.length - 1];
        const entity = entityPart === undefined ? undefined : this.byLastPart.get(entityPart);
        if (entity === undefined || field === undefined) return unexpected(`the unresolved data access \`${parts.map((p) => p.name).join(".")}\``);
        return { kind: "data", op: selector.op, entity: entity.name, field: field.name };
      }
    }
  }
}
