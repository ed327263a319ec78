import { statusView } from "../../../state/status-view.ts";
import { QgaError, type QgaCommand, type QgaContext } from "../qga-types.ts";

async function fresh(ctx: QgaContext) {
  if (!ctx.freshInstanceData) throw new QgaError("GenericError", "this daemon cannot read instance data");
  return ctx.freshInstanceData();
}

/**
 * Tether's own commands, under a prefix no QGA command uses: what the Nova agent's resetnetwork
 * does, for hosts on the QGA channel; a boot's work again from fresh instance data; and a look at
 * the last boot.
 */
export const tetherResetNetwork: QgaCommand = {
  name: "tether-reset-network",
  kind: "write",
  async run(ctx) {
    const data = await fresh(ctx);
    return { message: await ctx.execute({ name: "reset-network", data }), "instance-id": data.instanceId };
  },
};

export const tetherApply: QgaCommand = {
  name: "tether-apply",
  kind: "write",
  async run(ctx) {
    const data = await fresh(ctx);
    return { message: await ctx.execute({ name: "apply", data }), "instance-id": data.instanceId };
  },
};

export const tetherStatus: QgaCommand = {
  name: "tether-status",
  kind: "read",
  run: async (ctx) => statusView(ctx.host),
};
