import { describe } from 'node:test';
import { budgetStoreCases } from './budget-store.cases.ts';
import { budgetStoreProperties } from './budget-store.property.ts';
import { MemoryBudgetStore } from './memory-budget-store.ts';

describe('MemoryBudgetStore: shared BudgetStore cases', () => {
  const store = new MemoryBudgetStore();
  budgetStoreCases(() => store);
  budgetStoreProperties(() => store, 300);
});
