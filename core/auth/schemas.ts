import { z } from "zod";

export const roleSchema = z
  .string()
  .transform((v) => v.toUpperCase())
  .pipe(z.enum(["VIEWER", "OPERATOR", "APPROVER", "ADMIN"], { error: "must be viewer, operator, approver or admin" }));

const subscriptionList = z.array(z.uuid("each entry must be a subscription id (a GUID)").transform((s) => s.toLowerCase())).max(1000);

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(3, "must be at least 3 characters")
  .max(254, "must be at most 254 characters")
  .regex(/^[a-z0-9._@+-]+$/, "may hold letters, digits and . _ @ + - only");

export const passwordSchema = z.string().min(12, "must be at least 12 characters").max(256, "must be at most 256 characters");

export const createUserSchema = z.strictObject({
  username: usernameSchema,
  displayName: z.string().trim().min(1, "is required").max(200, "must be at most 200 characters"),
  role: roleSchema,
  subscriptions: subscriptionList.default([]),
  password: passwordSchema,
});
export type CreateUserInput = z.input<typeof createUserSchema>;

export const updateUserSchema = z
  .strictObject({
    displayName: z.string().trim().min(1, "is required").max(200, "must be at most 200 characters").optional(),
    role: roleSchema.optional(),
    subscriptions: subscriptionList.optional(),
    disabled: z.boolean().optional(),
    password: passwordSchema.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "name at least one field to change");
export type UpdateUserInput = z.input<typeof updateUserSchema>;

export const createTokenSchema = z.strictObject({
  name: z.string().trim().min(1, "is required").max(100, "must be at most 100 characters"),
  role: roleSchema,
  expiresInDays: z.number().int("must be a whole number of days").min(1).max(366).optional(),
});
export type CreateTokenInput = z.input<typeof createTokenSchema>;

export const signInSchema = z.strictObject({ username: z.string().trim().toLowerCase().min(1).max(254), password: z.string().min(1).max(256) });
