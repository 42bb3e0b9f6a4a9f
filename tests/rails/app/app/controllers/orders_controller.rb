# Orders: the show action fails for an order that does not exist.
class OrdersController < ApplicationController
  def show
    order = find_order(params[:id])
    render plain: order.fetch(:total).to_s
  end

  private

  def find_order(id)
    raise KeyError, "order #{id} not found"
  end
end
