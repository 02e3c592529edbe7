import { handle, OpenApi } from '@pos/kit';
import type { SqlDatabase } from '@pos/kit/sql';
import type { Express } from 'express';

interface CategoryRow {
  category_id: string;
  name: string;
  sort_order: number;
}

/** Menu endpoints (seed §1.3). Item CRUD and publishing come next. */
export function menuRoutes(app: Express, db: SqlDatabase): void {
  const docs = new OpenApi({ title: 'Menu service', version: '1.0.0' }).add({
    method: 'get',
    path: '/api/v1/menu/categories',
    summary: 'Menu categories, in order',
    tags: ['menu'],
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(docs.document());
  });
  app.get(
    '/api/v1/menu/categories',
    handle({}, async () => {
      const rows = await db.query<CategoryRow>(
        'SELECT category_id, name, sort_order FROM categories ORDER BY sort_order, name',
      );
      return {
        categories: rows.map((r) => ({
          categoryId: r.category_id,
          name: r.name,
          sortOrder: r.sort_order,
        })),
      };
    }),
  );
}
