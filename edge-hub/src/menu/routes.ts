import { CategoryId, MenuItemId } from '@pos/contracts';
import { AppError, handle, notFound } from '@pos/kit';
import { z } from 'zod';
import type { HubContext } from '../hub.js';
import type { Access, SecureRouter } from '../staff/access.js';
import type { MenuService } from './menu-service.js';

// The menu replica over HTTP (seed §1.3 `GET /api/v1/menu/items`, `…/categories`), read-only:
// the cloud owns the menu. Cashiers ring items up and cooks look them up; managers and owners
// hold both roles by implication.

const STAFF: Access = ['cashier', 'cook'];

// Strict, so a misspelt filter (`?category=`) is a 400 naming it instead of a silently
// unfiltered list.
const ItemsQuery = z.strictObject({
  categoryId: CategoryId.optional(),
  q: z.string().trim().max(100, { message: 'search text is at most 100 characters' }).optional(),
  available: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional(),
});

const ItemParams = z.object({ id: MenuItemId });

export function menuRoutes(ctx: Pick<HubContext, 'secureRouter'>, menu: MenuService): SecureRouter {
  const router = ctx.secureRouter();

  // The whole menu, for a terminal to cache: the ETag names the version and the 86 list, so a
  // terminal polling with If-None-Match gets a 304 until either changes.
  router.get(
    '/api/v1/menu',
    STAFF,
    handle({}, (_input, req, res) => {
      const { etag, body } = menu.menu();
      res.setHeader('ETag', etag);
      res.setHeader('Cache-Control', 'no-cache');
      if (etagMatches(req.get('if-none-match'), etag)) {
        res.status(304).end();
        return undefined;
      }
      return body;
    }),
  );

  router.get(
    '/api/v1/menu/items',
    STAFF,
    handle({ query: ItemsQuery }, ({ query }) => {
      if (query.categoryId !== undefined && !menu.hasCategory(query.categoryId)) {
        throw new AppError('validation', 'Invalid query.categoryId', {
          errors: [{ field: 'query.categoryId', message: `unknown category ${query.categoryId}` }],
        });
      }
      const items = menu.items({
        categoryId: query.categoryId,
        q: query.q || undefined,
        available: query.available,
      });
      return { version: menu.version(), count: items.length, items };
    }),
  );

  router.get(
    '/api/v1/menu/items/:id',
    STAFF,
    handle({ params: ItemParams }, ({ params }) => {
      const item = menu.itemDetail(params.id);
      if (!item) throw notFound(`Menu item ${params.id}`);
      return { version: menu.version(), ...item };
    }),
  );

  router.get(
    '/api/v1/menu/categories',
    STAFF,
    handle({}, () => ({ version: menu.version(), categories: menu.categories() })),
  );

  return router;
}

/** RFC 9110 §13.1.2: If-None-Match is `*` or a list of tags, compared weakly. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}
